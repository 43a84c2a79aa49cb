package number

import "testing"

// ID labels in languages beyond the first eight locales: tax and registry
// numbers, orders, customers and contracts, and their phone words.
func TestFindLabelsMoreLanguages(t *testing.T) {
	runCases(t, []findCase{
		{"IT", "P.IVA 01234567890", nil},
		{"IT", "Codice cliente 0212345678", nil},
		{"IT", "Tel. 02 1234 5678 – Cell. 333 123 4567", []string{"+390212345678", "+393331234567"}},
		{"IT", "Numero verde 800 123 456", []string{"+39800123456"}},
		{"NL", "klantnr. 0201234567", nil},
		{"NL", "Bestelnummer 0201234567", nil},
		{"NL", "bel me op 06 87654321", []string{"+31687654321"}},
		{"PL", "REGON 123456785", nil},
		{"PL", "Numer zamówienia: 512345678", nil},
		{"PL", "nr klienta 221234567", nil},
		{"PL", "Numer telefonu: 512 345 678", []string{"+48512345678"}},
		{"PL", "kom. 601 234 567", []string{"+48601234567"}},
		{"ES", "Nº de pedido: 912345678", nil},
		{"ES", "Atención al cliente: 900 123 456", []string{"+34900123456"}},
		{"ES", "Número de teléfono: 612 34 56 78", []string{"+34612345678"}},
		{"BR", "Protocolo de atendimento 11987654321", nil},
		{"BR", "Central de atendimento: 0800 123 4567", []string{"+558001234567"}},
		{"BR", "Número de atendimento: (11) 3045-6789", []string{"+551130456789"}},
		{"FR", "Port. : 06 12 34 56 78", []string{"+33612345678"}},
		{"FR", "N° de contrat 0478123456", nil},
		{"FR", "Numéro vert : 0 800 123 456", []string{"+33800123456"}},
		{"DE", "Kd.-Nr. 04041234567", nil},
		{"DE", "Ihre Ticketnummer lautet 0711 2345678.", nil},
		{"DE", "Meine Nummer: 0171 1234567", []string{"+491711234567"}},
		{"DE", "Rufen Sie die Nummer 030 12345678 an", []string{"+493012345678"}},
	})
}

// A word next to an abbreviated number word ("Consumer No.") names an
// ID; spoken "the venue number" or Portuguese "no" do not.
func TestFindLabelsNumberWords(t *testing.T) {
	runCases(t, []findCase{
		{"IN", "Consumer No. 9876543210", nil},
		{"IN", "Meter Nr 9876543210", nil},
		{"GB", "the venue number is 020 7946 0958", []string{"+442079460958"}},
		{"GB", "UK number: 020 7946 0958", []string{"+442079460958"}},
		{"GB", "Toll free number 0800 123 4567", []string{"+448001234567"}},
		{"US", "Mobile No. 415-555-0132", []string{"+14155550132"}},
		{"BR", "me liga no 11 98765-4322", []string{"+5511987654322"}},
		{"BR", "me chama no zap 21 99876-5432", []string{"+5521998765432"}},
		{"FR", "Mon num c'est le 0612345680", []string{"+33612345680"}},
		{"IN", "mera naya number 9123456780 save kar le", []string{"+919123456780"}},
		{"US", "Fax number for orders: 650-253-0001", []string{"+16502530001"}},
	})
}

// Cyrillic and Hangul labels are matched by stem; CJK bare "number"
// words decide nothing.
func TestFindLabelsNonLatin(t *testing.T) {
	runCases(t, []findCase{
		{"RU", "Номер заказа 84951234567", nil},
		{"RU", "лицевой счёт 89161234567", nil},
		{"RU", "Тел.: +7 (495) 123-45-67, моб.: 8 (916) 123-45-67", []string{"+74951234567", "+79161234567"}},
		{"RU", "позвони мне 89261112233", []string{"+79261112233"}},
		{"RU", "Мой номер 8 926 111-22-33", []string{"+79261112233"}},
		{"KR", "주문번호 01012345678", nil},
		{"KR", "고객번호 0212345678", nil},
		{"KR", "전화번호 02-345-6789", []string{"+8223456789"}},
		{"KR", "내 번호 010 9876 5432 로 문자줘", []string{"+821098765432"}},
		{"JP", "品番 0312-3456-78", nil},
		{"JP", "番号は090-1234-5678です", []string{"+819012345678"}},
		{"CN", "我的新号码是186-1234-5678", []string{"+8618612345678"}},
	})
}

// Constants in code and config: a duration, size or limit is not a phone
// number, whatever its digits.
func TestFindLabelsCodeQuantities(t *testing.T) {
	runCases(t, []findCase{
		{"US", "const TIMEOUT_MS = 8005551234;", nil},
		{"US", "max_bytes: 4155550132", nil},
		{"US", "phone = \"415-555-0132\";", []string{"+14155550132"}},
	})
}

// Labels in the languages of the wild corpus's new regions, words whose
// meaning depends on the region, and words that only end like an ID
// suffix.
func TestFindLabelsNewRegions(t *testing.T) {
	runCases(t, []findCase{
		{"TR", "Vergi No: 2163334455", nil},
		{"TR", "VKN 2324561234", nil},
		{"TR", "Sipariş No: 05421234567", nil},
		{"TR", "Cep: 0542 123 45 67", []string{"+905421234567"}},
		{"BR", "CEP 0542 123 45 67", nil},
		{"TR", "Müşteri hizmetleri 0850 222 12 34", []string{"+908502221234"}},
		{"CA", "NEQ 4169671111", nil},
		{"CA", "BN: 416 967 1111 RT0001", nil},
		{"ID", "NPWP 0812 3456 7890", nil},
		{"ID", "Telp 0812 3456 7890", []string{"+6281234567890"}},
		{"VN", "Mã số thuế: 0912345678", nil},
		{"VN", "ĐT: 028 3823 4567", []string{"+842838234567"}},
		{"PH", "SSS No. 0917 123 4567", nil},
		{"NG", "BVN 08031234567", nil},
		{"EG", "رقم الطلب 01001234567", nil},
		{"EG", "هاتف 01001234567", []string{"+201001234567"}},
		{"KZ", "БИН 87011234567", nil},
		{"CN", "请联系快递员 13800138000", []string{"+8613800138000"}},
		{"RU", "т.8(343)212-34-56", []string{"+73432123456"}},
		{"ES", "Madrid 912 345 678", []string{"+34912345678"}},
		{"AE", "Rashid;056 123 4567;Dubai", []string{"+971561234567"}},
		{"MX", "Folio 5512345678", nil},
		{"CN", "客服 400-820-1234（周一至周五）", []string{"+864008201234"}},
		{"CN", "热线 400-820-1234（7×24）", []string{"+864008201234"}},
		{"JP", "本社 03-5555-1234（代表）", []string{"+81355551234"}},
		{"US", "userId: 4155550132", nil},
		{"US", "tracking_code=4155550132", nil},
	})
}

// A phone label written against the number, with no space or punctuation
// between, is still a label; any other word glued to digits is not.
func TestFindGluedLabels(t *testing.T) {
	runCases(t, []findCase{
		{"US", "Tel:(646)421-3380Fax:(646)421-3381", []string{"+16464213380", "+16464213381"}},
		{"DE", "Tel040/2345678·Fax040/2345679", []string{"+49402345678", "+49402345679"}},
		{"DE", "Mobil0170 1234567", []string{"+491701234567"}},
		{"TR", "Tel:0312 456 78 90Faks:0312 456 78 91", []string{"+903124567890", "+903124567891"}},
		{"PH", "Cel#09281234567", []string{"+639281234567"}},
		{"US", "Phone#4158675309", []string{"+14158675309"}},
		{"RU", "т.8(812)234-56-78, ф.8(812)234-56-79", []string{"+78122345678", "+78122345679"}},
		{"US", "INV4158675309", nil},
		{"US", "4158675309abc", nil},
		{"US", "4158675309Fax", nil}, // a label must be followed by its number
		{"US", "Order#4158675309", nil},
		{"DE", "DE89370400440532013000", nil},
	})
}

// Chat glues particles and case endings to a number; any other word glued
// to digits makes an identifier.
func TestFindChatParticles(t *testing.T) {
	runCases(t, []findCase{
		{"ID", "wa aja ke 081234567890ya", []string{"+6281234567890"}},
		{"ID", "telpon 0812-3456-7890aja", []string{"+6281234567890"}},
		{"PH", "tawagan mo ako sa 09171234567po", []string{"+639171234567"}},
		{"VN", "gọi 0912345678nhé", []string{"+84912345678"}},
		{"TR", "05321234567ye yaz", []string{"+905321234567"}},
		{"US", "call 4158675309 pls", []string{"+14158675309"}},
		{"US", "call 4158675309pls", []string{"+14158675309"}},
		{"US", "4158675309abc", nil},
		{"US", "4158675309ya.example.com", nil},
		{"US", "id 4158675309ok2", nil},
	})
}
