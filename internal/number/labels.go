package number

import "strings"

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

var labelWords = func() map[string]label {
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
		contactez erreichbar phonenumber telnr tel-nr telefonnummer handynummer faxnummer`)
	add(labelNeutral, `no nr nro nº n° num number numbers numero número numéro nummer is of the a an de der die das du
		la le les our your unter at on or and et und ou e y o please us me to from via ist est é per by
		our main new alt alternative primary secondary private privat geschäftlich business`)
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
		batch-id trace span`)
	return m
}()

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
	{"卡号", labelID}, {"カード", labelID}, {"学号", labelID}, {"工号", labelID}, {"批号", labelID}, {"型号", labelID},
}

func labelKind(w string) label {
	if k, ok := labelWords[w]; ok {
		return k
	}
	// Compounds and identifiers: "Telefonnummer", "phoneNumber",
	// "order_no", "orderId", "customer-code".
	for _, suf := range compoundSuffixes {
		if len(w) <= len(suf.s) || !strings.HasSuffix(w, suf.s) {
			continue
		}
		pre := strings.TrimRight(w[:len(w)-len(suf.s)], "_-.")
		k := labelWords[pre]
		if k == labelUnknown || k == labelNeutral {
			k = labelWords[strings.TrimSuffix(pre, "s")]
		}
		switch {
		case k == labelPhone || k == labelID:
			return k
		case clientWords[pre]:
			return labelID
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
		if r, _ := decodeAt(word, 0); isLatinLetter(r) {
			lw := strings.ToLower(word)
			if clientWords[lw] {
				// "Numéro client" is a customer number, "Service client"
				// a phone line: the word before decides.
				return !serviceWords[strings.ToLower(lastWord(win[:b]))]
			}
			switch labelKind(lw) {
			case labelPhone:
				return false
			case labelID:
				// "Fax for orders:" names what the line is for.
				if purposeWords[strings.ToLower(lastWord(win[:b]))] {
					e = b
					continue
				}
				return true
			case labelUnknown:
				return false
			}
		} else {
			best, bestAt := labelUnknown, -1
			for _, l := range cjkLabels {
				if k := strings.LastIndex(word, l.s); k >= 0 && k > bestAt {
					best, bestAt = l.k, k
				}
			}
			switch best {
			case labelPhone:
				return false
			case labelID:
				return true
			}
			return false
		}
		e = b
	}
	return false
}

var (
	clientWords  = map[string]bool{"client": true, "clients": true, "cliente": true, "clientes": true, "kunde": true, "kunden": true}
	serviceWords = map[string]bool{"service": true, "services": true, "serviço": true, "servicio": true, "atendimento": true, "atención": true, "relation": true, "relations": true, "espace": true}
)

// purposeWords before an ID word make it the purpose of a phone line.
var purposeWords = map[string]bool{"for": true, "für": true, "pour": true, "para": true, "zur": true, "zum": true,
	"about": true, "regarding": true, "re": true, "bei": true, "concernant": true, "sobre": true}
