package number

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Labels: the words in front of a digit string say what it is. "Order no.
// 4155550100" is an order, "Tel. 4155550100" a phone. The nearest word that
// is not neutral ("no.", "number", "is") decides; an unknown word leaves the
// decision to the other rules.

type label int

const (
	labelUnknown label = iota
	labelNeutral
	labelPhone
	labelID
)

// labelWords is built on first use, not at package initialisation, which
// runs for every deskdial command (docs/benchmarks.md).
var labelWords = sync.OnceValue(func() map[string]label {
	m := map[string]label{}
	add := func(k label, words string) {
		for _, w := range strings.Fields(words) {
			m[w] = k
		}
	}
	add(labelPhone, `tel tél tele telef telefon telefone telephone téléphone teléfono telefono phone phones ph fon fone
		call calls ring mobile mobil mob mobiel cell cellphone celular cel handy portable fax telefax whatsapp wa
		hotline helpline contact contacts contato kontakt dial sms text tlf tfno tf m t f p rufnummer festnetz
		mobilnummer zentrale durchwahl office direct direkt switchboard reception standard dialin dial-in
		tollfree toll-free freephone numéro-vert landline home work nummern sprechstunde anrufen appelez ligar
		contactez erreichbar phonenumber telnr tel-nr telefonnummer handynummer faxnummer
		support service helpdesk help hilfe emergency notfall notruf urgence urgencias emergencia emergenza
		info enquiries inquiries sales vertrieb beratung assistance assistenza soporte suporte ayuda aide
		servicio servizio serviço central centralino centralita infolinia llámanos llamanos llamar chiamare
		chiama chiamaci ligue bel bellen zadzwoń dzwoń telefonu telefonem telefonico telefónico telefônico
		telefonisch téléphonique fisso fijo fixe móvil movil cellulare gsm komórka kom komórkowy tlf tlfn
		vert verde azur gratuit gratuito gratis kostenlos kostenfrei contatto contacto contatti kontaktowy
		viber signal telegram skype wechat telefoon mobiele vaste free toll callback rückruf casa maison
		domicile domicilio oficina ufficio bureau escritório escritorio trabajo travail lavoro trabalho büro
		kantoor biuro port
		care kundendienst kundenservice
		т ф м тел моб сот факс
		faks gsm santral telp hp hubungi đt dđ sđt điện thoại gọi tawagan selfoon sel landlyn
		ngishayele hizmet hizmetleri destek layanan`)
	add(labelNeutral, `no nr nro nº n° num number numbers numero número numéro nummer is of the a an de der die das du
		la le les our your unter at on or and et und ou e y o please us me to from via ist est é per by
		our main new alt alternative primary secondary private privat geschäftlich business
		my mine meine mein meiner ma mon mes mi mis mio mia mój moja moje mijn minha meu his her their unser
		unsere notre nos nuestro nuestra nostro nostra onze ons nasz nasza sein seine ihre ihr votre vos su sus
		tuo tua tu dein deine jouw twój neue neuer nouveau nouvelle nuevo nueva nuovo nuova nieuw nieuwe novo
		nova nowy nowa lautet lauten beträgt are was were be sera será sarà è jest wynosi är er zijn
		n numer numery nummers núm personal alternate second other andere autre otro altro local lokale
		international internationale national domestic german swiss french dutch british english spanish
		italian polish austrian american canadian indian irish`)
	add(labelID, `order orders invoice inv po ref reference ticket case account acct acc iban bic swift vat tax ust
		ustid siret siren tva cnpj cpf rg gstin gst pan aadhaar isbn issn ean upc sku serial sn imei meid iccid
		imsi tracking awb shipment parcel id pin passcode password pwd code otp zip postcode postal plz cep card
		visa mastercard amex cvv kundennummer kundennr rechnungsnummer rechnung bestellnummer bestellung
		auftragsnummer auftrag steuernummer aktenzeichen az vorgang vorgangsnummer commande facture dossier
		pedido fatura protocolo boleto conta agência agencia cartão patient mrn license licence policy claim
		booking confirmation reservation flight pnr batch lot model part item article artikel art version ver
		build release firmware kernel chrome firefox safari android ios windows lat lng lon latitude longitude
		transaction txn payment receipt voucher coupon customer member membership employee student
		matrikelnummer personalnummer versicherungsnummer identifikationsnummer passport ausweis routing aba
		bsb isin wkn cusip ssn nino ein tin kennwort passwort senha amount total price preis prix preço betrag
		sum summe subtotal balance saldo qty quantity population year jahr date datum fecha data timestamp
		epoch hash commit sha block tx pid uid gid ip mac vin kennzeichen blz kontonummer konto clabe ifsc upi
		nif nie cif rcs hrb hra registergericht handelsregister idnr steuer-id stnr ust-idnr mwst
		rechnungsnr bestellnr auftragsnr lieferschein sendungsnummer référence commande n°commande
		pedido nfe nf-e chave rastreio rastreamento cnh titulo título eleitor nis pis ctps
		meetingid konferenz-id webinar pages page pp vol doi arxiv pmid job task request req session thread run unix ts created updated modified time expires
		expiry expiration iat exp nbf
		package paket colis encomenda pacote sendung consignment waybill vertrag vertrags auftrags bestell
		rechnungs liefer sendungs mitglieds versicherungs kassenzeichen réf ref. contrat adhérent contrato
		matrícula matricula fatura nota pedidos voucher gutschein coupon promo rabatt
		batch-id trace span
		iva p.iva piva partita fiscale codice cod ordine fattura cliente contratto pratica spedizione
		bestelnummer bestelling factuur factuurnummer klantnummer klantnr referentie kenmerk dossiernummer
		zamówienia zamówienie faktura klienta umowy zlecenia przesyłki paczki regon nip krs pesel
		localizador expediente albarán albaran póliza poliza reserva referencia factura encargo envío envio
		protocolo pedido encomenda nota apólice apolice inscrição contrato
		kvk btw bsn abn acn tfn arbn rfc curp nss rut cuit cnpj uid ahv siren ape naf ssn
		ms millis msec secs seconds timeout ttl delay interval bytes size length len count offset seed nonce
		checksum crc limit kd kdnr kto ktonr mitgl vertr
		bn neq hst qst
		vergi vkn tckn kimlik mersis sipariş siparis müşteri musteri kargo takip sicil fatura
		npwp nik resi rekening pesanan faktur tagihan
		mst thuế cccd cmnd đơn hóa vận
		sss philhealth pagibig pag-ibig
		bvn nin rc folio guía guia clave
		reg registration registrierung`)
	return m
})

// cjkLabels are matched as substrings, since these scripts do not separate
// words.
var cjkLabels = []struct {
	s string
	k label
}{
	{"电话", labelPhone}, {"電話", labelPhone}, {"手机", labelPhone}, {"手機", labelPhone}, {"携帯", labelPhone},
	{"传真", labelPhone}, {"傳真", labelPhone}, {"ファックス", labelPhone}, {"FAX", labelPhone}, {"フリーダイヤル", labelPhone},
	{"联系", labelPhone}, {"連絡", labelPhone}, {"热线", labelPhone}, {"TEL", labelPhone}, {"☎", labelPhone}, {"📞", labelPhone}, {"📱", labelPhone},
	{"订单", labelID}, {"訂單", labelID}, {"单号", labelID}, {"單號", labelID}, {"发票", labelID}, {"發票", labelID},
	{"身份证", labelID}, {"税号", labelID}, {"注文", labelID}, {"請求", labelID}, {"伝票", labelID}, {"会員", labelID},
	{"会员", labelID}, {"账号", labelID}, {"帳號", labelID}, {"账户", labelID}, {"口座", labelID}, {"合同", labelID}, {"工单", labelID}, {"流水号", labelID}, {"交易号", labelID}, {"客户编号", labelID}, {"客户号", labelID},
	{"客服", labelPhone}, {"お客様番号", labelID}, {"受注番号", labelID}, {"注文番号", labelID}, {"問い合わせ番号", labelID}, {"受付番号", labelID}, {"管理番号", labelID},
	{"整理番号", labelID}, {"予約番号", labelID}, {"顧客番号", labelID}, {"契約番号", labelID}, {"証券番号", labelID}, {"会員番号", labelID},
	{"编号", labelID}, {"編號", labelID}, {"郵便", labelID}, {"邮编", labelID}, {"邮政", labelID}, {"〒", labelID},
	{"快递", labelID}, {"运单", labelID}, {"会议号", labelID}, {"会議ID", labelID}, {"密码", labelID}, {"パスコード", labelID},
	{"金额", labelID}, {"价格", labelID}, {"金額", labelID}, {"価格", labelID}, {"日期", labelID}, {"日付", labelID},
	{"品番", labelID}, {"型番", labelID}, {"货号", labelID}, {"品号", labelID}, {"序列号", labelID}, {"シリアル", labelID},
	{"тел", labelPhone}, {"моб", labelPhone}, {"сот", labelPhone}, {"факс", labelPhone}, {"звон", labelPhone},
	{"горяч", labelPhone}, {"контакт", labelPhone}, {"справк", labelPhone}, {"приёмн", labelPhone}, {"приемн", labelPhone},
	{"заказ", labelID}, {"счёт", labelID}, {"счет", labelID}, {"договор", labelID}, {"инн", labelID}, {"кпп", labelID},
	{"огрн", labelID}, {"снилс", labelID}, {"паспорт", labelID}, {"бик", labelID}, {"полис", labelID}, {"клиент", labelID},
	{"артикул", labelID}, {"трек", labelID}, {"накладн", labelID}, {"квитанц", labelID}, {"плат", labelID},
	{"заявк", labelID}, {"обращени", labelID}, {"код", labelID}, {"индекс", labelID}, {"лицев", labelID}, {"чек", labelID},
	{"전화", labelPhone}, {"휴대", labelPhone}, {"핸드폰", labelPhone}, {"팩스", labelPhone}, {"연락", labelPhone},
	{"대표", labelPhone}, {"고객센터", labelPhone}, {"상담", labelPhone}, {"문의", labelPhone},
	{"주문", labelID}, {"고객번호", labelID}, {"회원", labelID}, {"계좌", labelID}, {"송장", labelID}, {"운송장", labelID},
	{"사업자", labelID}, {"등록", labelID}, {"주민", labelID}, {"카드", labelID}, {"우편", labelID}, {"예약", labelID},
	{"бин", labelID}, {"иин", labelID}, {"иик", labelID}, {"огрнип", labelID},
	{"هاتف", labelPhone}, {"جوال", labelPhone}, {"محمول", labelPhone}, {"تلفون", labelPhone}, {"اتصل", labelPhone},
	{"واتساب", labelPhone}, {"فاكس", labelPhone}, {"كلمني", labelPhone},
	{"ضريب", labelID}, {"سجل", labelID}, {"فاتورة", labelID}, {"طلب", labelID}, {"حساب", labelID}, {"هوية", labelID},
	{"القومي", labelID}, {"الطلب", labelID}, {"شحنة", labelID}, {"آيبان", labelID},
	{"快递员", labelPhone}, {"配送员", labelPhone}, {"骑手", labelPhone}, {"师傅", labelPhone},
	{"卡号", labelID}, {"カード", labelID}, {"学号", labelID}, {"工号", labelID}, {"批号", labelID}, {"型号", labelID},
}

func labelKind(w string) label {
	if k, ok := labelWords()[w]; ok {
		return k
	}
	// Compounds and identifiers: "Telefonnummer", "phoneNumber",
	// "order_no", "orderId", "customer-code".
	for _, suf := range compoundSuffixes {
		if len(w) <= len(suf.s) || !strings.HasSuffix(w, suf.s) {
			continue
		}
		head := w[:len(w)-len(suf.s)]
		pre := strings.TrimRight(head, "_-.")
		k := labelWords()[pre]
		if k == labelUnknown || k == labelNeutral {
			k = labelWords()[strings.TrimSuffix(pre, "s")]
		}
		switch {
		case k == labelPhone || k == labelID:
			return k
		case clientWords[pre]:
			return labelID
		case len(pre) == len(head):
			// Run together with a word we do not know, the suffix is
			// likely no suffix at all: "Rashid", "Madrid", "barcode".
			return labelUnknown
		}
		return suf.k
	}
	return labelUnknown
}

// compoundSuffixes: what an unknown word ending like this is when its
// first part says nothing.
var compoundSuffixes = []struct {
	s string
	k label
}{
	{"number", labelUnknown}, {"nummer", labelUnknown}, {"numero", labelUnknown}, {"num", labelUnknown},
	{"nr", labelUnknown}, {"no", labelUnknown}, {"id", labelID}, {"ids", labelID}, {"code", labelID}, {"key", labelID},
}

// idLabel reports whether the words before i on the same line (up to the
// previous digit) label the digits at i as something other than a phone
// number.
func (m *matcher) idLabel(i int) bool {
	t := m.text
	lo := max(0, i-48)
	j := i
	for j > lo {
		r, w := decodeBefore(t, j)
		// Labels do not reach across lines, other numbers or table cells.
		if r == '\n' || r == '\r' || r == '\t' || r == '|' || r == '·' || r == '•' || isDigit(r) {
			break
		}
		j -= w
	}
	win := t[j:i]
	if win == "" {
		return false
	}
	// Words from right to left.
	e := len(win)
	prevAbbrev := false
	for e > 0 {
		// Skip non-letters.
		for e > 0 {
			r, w := decodeBefore(win, e)
			if isLetter(r) || r == '☎' || r == '📞' || r == '📱' || r == '〒' {
				break
			}
			e -= w
		}
		if e == 0 {
			return false
		}
		// A word is a run of letters in one script kind (Latin or not):
		// "ミーティングID" is read as "ID", then "ミーティング".
		b := e
		last, _ := decodeBefore(win, e)
		latin := isLatinLetter(last)
		for b > 0 {
			r, w := decodeBefore(win, b)
			if !(isLetter(r) || r == '☎' || r == '📞' || r == '📱' || r == '〒') || isLatinLetter(r) != latin {
				break
			}
			b -= w
		}
		word := win[b:e]
		// A word cut by the window's left edge is unreliable.
		if b == 0 && j == lo && j > 0 {
			return false
		}
		lw := strings.ToLower(word)
		if r, _ := decodeAt(word, 0); isLatinLetter(r) {
			if clientWords[lw] {
				// "Numéro client" is a customer number, "Service client"
				// and "Atención al cliente" a phone line: the word before
				// decides.
				return !serviceWords[strings.ToLower(lastWordSkipping(win[:b], linkWords))]
			}
			k := m.labelOf(lw)
			if k == labelUnknown && camelIDSuffix(word) {
				k = labelID // "userId", "sessionKey"
			}
			switch k {
			case labelPhone:
				return false
			case labelID:
				// "Fax for orders:" names what the line is for.
				if purposeWords[strings.ToLower(lastWord(win[:b]))] {
					prevAbbrev, e = false, b
					continue
				}
				return true
			case labelUnknown:
				return unknownNamesID(lw, prevAbbrev, win[:b])
			}
		} else {
			switch nonLatinLabel(lw) {
			case labelPhone:
				return false
			case labelID:
				return true
			case labelUnknown:
				return false
			}
		}
		prevAbbrev = abbrevNumberWord(lw, win[e:])
		e = b
	}
	return false
}

// numberWords say "number" and label nothing by themselves; the noun next
// to them does ("numéro de dossier", "numer klienta").
var numberWords = map[string]bool{"no": true, "nr": true, "nro": true, "nº": true, "n": true, "num": true, "núm": true,
	"number": true, "nummer": true, "numero": true, "número": true, "numéro": true, "numer": true}

// abbrevNumberWord reports whether w, followed in the text by after, is
// "number" abbreviated ("No.", "Nr", "Nº", "n°"): written so, it heads a
// record field, as in "Consumer No.", where "the venue number" and "me
// liga no 11…" are speech.
func abbrevNumberWord(w, after string) bool {
	next, _ := decodeAt(after, 0)
	switch w {
	case "nr", "nro", "nº":
		return true
	case "no", "num", "núm":
		return next == '.'
	case "n":
		return next == '.' || next == '°' || next == 'º'
	}
	return false
}

// linkWords join a head noun to the noun that qualifies it: "numéro de
// commande", "atención al cliente".
var linkWords = map[string]bool{"de": true, "di": true, "do": true, "da": true, "del": true, "della": true, "des": true,
	"du": true, "d": true, "of": true, "van": true, "von": true, "der": true, "al": true, "à": true, "a": true, "la": true,
	"ao": true, "dos": true, "das": true, "dei": true}

// unknownNamesID decides for a word w that is neither a phone nor an ID
// word, by the number word next to it: "Consumer No. 98765 43210",
// "numer zamówienia 512 345 678" and "Protocolo de atendimento …" are
// IDs, "número de atendimento" (a service line) is not. abbrevAfter tells
// whether an abbreviated number word follows w; before is the text left of
// w.
func unknownNamesID(w string, abbrevAfter bool, before string) bool {
	if utf8.RuneCountInString(w) < 3 || purposeWords[w] {
		return false
	}
	if abbrevAfter {
		return true
	}
	head := lastWord(before)
	lh := strings.ToLower(head)
	if linkWords[lh] {
		before = before[:strings.LastIndex(before, head)]
		head = lastWord(before)
		lh = strings.ToLower(head)
	}
	if lh == "" {
		return false
	}
	switch {
	case numberWords[lh]:
		if len(lh) <= 3 && !abbrevNumberWord(lh, before[strings.LastIndex(before, head)+len(head):]) {
			return false // "me chama no zap"
		}
		return !serviceWords[w]
	case labelKind(lh) == labelID:
		return true
	}
	return false
}

// lastWordSkipping is the last word of s that is not in skip.
func lastWordSkipping(s string, skip map[string]bool) string {
	for {
		w := lastWord(s)
		if w == "" || !skip[strings.ToLower(w)] {
			return w
		}
		s = s[:strings.LastIndex(s, w)]
	}
}

// nonLatinLabel reads a word in a script without case-insensitive word
// lists of its own: CJK runs hold several words, so labels are found as
// substrings (the rightmost wins); Cyrillic and Hangul words are matched
// by stem, which also covers their inflections ("заказа", "주문번호").
// A bare "number" word (番号, 号码, 번호) decides nothing: "我的新号码是"
// is a phone number.
func nonLatinLabel(w string) label {
	if nonLatinNeutral[w] {
		return labelNeutral
	}
	best, bestAt, bestLen := labelUnknown, -1, 0
	for _, l := range cjkLabels {
		// The rightmost label wins; of two starting together, the longer
		// ("快递员", the courier, over "快递", the parcel).
		if k := strings.LastIndex(w, l.s); k >= 0 && (k > bestAt || k == bestAt && len(l.s) > bestLen) {
			best, bestAt, bestLen = l.k, k, len(l.s)
		}
	}
	if best != labelUnknown {
		return best
	}
	return labelUnknown
}

var nonLatinNeutral = map[string]bool{"номер": true, "мой": true, "наш": true, "ваш": true, "по": true, "на": true,
	"или": true, "и": true, "мне": true, "новый": true, "нашему": true, "номеру": true}

var (
	clientWords  = map[string]bool{"client": true, "clients": true, "cliente": true, "clientes": true, "kunde": true, "kunden": true}
	serviceWords = map[string]bool{"service": true, "services": true, "serviço": true, "servicio": true, "atendimento": true, "atención": true, "relation": true, "relations": true, "espace": true}
)

// purposeWords before an ID word make it the purpose of a phone line.
var purposeWords = map[string]bool{"for": true, "für": true, "pour": true, "para": true, "zur": true, "zum": true,
	"about": true, "regarding": true, "re": true, "bei": true, "concernant": true, "sobre": true}

// regionLabels are words whose meaning depends on the language of the
// region: Turkish "Cep" is a mobile, Brazilian "CEP" a postcode.
var regionLabels = map[string]map[string]label{
	"TR": {"cep": labelPhone},
}

// labelOf is labelKind with the region's own meaning of a word first.
func (m *matcher) labelOf(w string) label {
	if k, ok := regionLabels[m.region][w]; ok {
		return k
	}
	return labelKind(w)
}

// camelIDSuffix reports an identifier in camel case that ends in an ID
// word: "userId", "trackingCode", "apiKey".
func camelIDSuffix(w string) bool {
	p := strings.LastIndexFunc(w, unicode.IsUpper)
	if p <= 0 {
		return false
	}
	switch strings.ToLower(w[p:]) {
	case "id", "ids", "code", "key", "no", "nr", "number", "num":
		return true
	}
	return false
}
