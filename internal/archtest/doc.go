// Package archtest checks the project's dependency rules (see
// docs/architecture.md) against the real import graph: which packages may
// import NATS, Fyne, libphonenumber, or anything that needs cgo. It has no
// code of its own; the rules are its test.
package archtest
