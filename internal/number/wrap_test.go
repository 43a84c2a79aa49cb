package number

import "testing"

// A number wrapped across lines by a table cell, a quoted reply or
// indentation is one number when its parts together are valid.
func TestFindWrappedLines(t *testing.T) {
	runCases(t, []findCase{
		// Table cells: the rest of the number in the same column below.
		{"US", "| Front desk | (646) 421-   |\n|            | 3380         |", []string{"+16464213380"}},
		{"FR", "| Lyon | 04 72 10 |\n|      | 33 44    |", []string{"+33472103344"}},
		{"DE", "| Hamburg | 040 2345 |\n|         | 678      |", []string{"+49402345678"}},
		{"DE", "+---------+\n| 0221 98 |\n| 7654    |\n+---------+", []string{"+49221987654"}},
		// CJK tables aligned with ideographic spaces and full-width bars.
		{"CN", "｜北京　｜　010-6552　｜\n｜　　　｜　9988　　　｜", []string{"+861065529988"}},
		{"JP", "|　名古屋　|　052-331-　|\n|　　　　　|　4455　　　|", []string{"+81523314455"}},
		// Quoted replies.
		{"GB", "> my mobile is 07400\n> 654321 cheers", []string{"+447400654321"}},
		{"RU", "> звоните 8 (812)\n> 234-56-78", []string{"+78122345678"}},
		{"US", ">> reach me at 415\n>> 867 2201", []string{"+14158672201"}},
		// Indentation.
		{"ZA", "Helpdesk: 0861\n          321 654", []string{"+27861321654"}},
		{"SE", "Kontor: 08-12\r\n        34 56 78", []string{"+46812345678"}},
		// A number the first line's short prefix would misread on its own.
		{"DE", "| München | 089 123 |\n|         | 4567    |", []string{"+49891234567"}},
		// Not joined: the next line starts a number of its own, or a word,
		// or the parts are separated by more than layout.
		{"DE", "Zimmer 12\n030 1234567", []string{"+49301234567"}},
		{"US", "Suite 400\n  212 736 5000", []string{"+12127365000"}},
		{"GB", "> call 0161\n> tomorrow 496 0123", nil},
		{"FR", "Tél. 04 72 10\n\n33 44", nil},
		{"FR", "04 72 10,\n33 44", nil},
		{"US", "Order 646 421\n| 3380", nil},
		{"RU", "ИНН 50241\n> 23456", nil},
		// Dates and CSV fields at the ends of rows are no halves of a number.
		{"US", "room 157\n05/27/2025 INFO request", nil},
		{"US", "34890,Ann,11/12/2022\n64414,Bob,12.12.2024", nil},
		{"US", "id,zip\n1,Ann,78091\n7899,Bob,52841", nil},
		{"US", "id;zip\n1;Ann;415\n8675309;Bob", nil},
		// A cell goes on in its own column, a quote at its own depth.
		{"HK", "| 2023 | 2345 |\n| 2024 | 6789 |", nil},
		{"HK", "| 2345 |\n|      | 6789 |", nil},
		{"GB", "> call 07400\n>> 654321", nil},
		// A column of amounts.
		{"NO", "| 2 299 |\n| 3 499 |", nil},
		{"DK", "Pris: 2 299\n  3 499 kr", nil},
		// Two complete numbers on consecutive lines stay two.
		{"DE", "030 1234567\n040 2345678", []string{"+49301234567", "+49402345678"}},
	})
}
