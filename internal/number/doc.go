// Package number finds phone numbers in free text and normalises them to
// E.164. It is pure (no I/O) and every parser in it is fuzzed.
package number
