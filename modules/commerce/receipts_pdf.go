package commerce

import (
	"fmt"
	"time"

	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/pdf"
)

// kst is Korean time, in which receipts are dated.
var kst = time.FixedZone("KST", 9*60*60)

// won formats an amount of KRW: "50,000원" / "₩50,000".
func (m *Module) won(lang string, amount int64) string {
	return m.i18n.T(lang, "commerce.won", map[string]any{"Amount": i18n.GroupDigits(itoa(amount))})
}

// receiptPDF is a receipt as an A4 PDF in lang, with Hangul text.
func (m *Module) receiptPDF(lang string, r *Receipt) ([]byte, error) {
	t := func(id string, kv ...any) string {
		data := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m.i18n.T(lang, id, data)
	}
	title := t("commerce.receipt.title_" + r.Kind)
	d := pdf.New("P", title+" "+r.Number, r.IssuedAt)
	d.Text(20, "L", title)
	d.Gap(2)
	d.Text(10, "L", t("commerce.receipt.number")+": "+r.Number)
	d.Text(10, "L", t("commerce.receipt.issued")+": "+r.IssuedAt.In(kst).Format("2006-01-02 15:04")+" KST")
	if r.PaidAt != nil {
		d.Text(10, "L", t("commerce.receipt.paid_at")+": "+r.PaidAt.In(kst).Format("2006-01-02 15:04")+" KST")
	}
	d.Text(10, "L", t("commerce.receipt.order")+": #"+itoa(r.OrderID)+" · "+t("commerce.receipt.payment")+": #"+itoa(r.PaymentID))
	d.Text(10, "L", t("commerce.receipt.provider")+": "+t("commerce.provider."+r.Provider)+
		func() string {
			if r.Reference == "" {
				return ""
			}
			return " (" + r.Reference + ")"
		}())
	if r.Buyer != "" || r.Email != "" {
		d.Text(10, "L", t("commerce.receipt.buyer")+": "+r.Buyer+" <"+r.Email+">")
	}
	if b := r.Billing; b != nil {
		addr := b.MainAddress
		if b.DetailAddress != "" {
			addr += " " + b.DetailAddress
		}
		d.Text(10, "L", t("commerce.receipt.billing")+": "+addr+" ("+b.PostalCode+", "+b.Country+")")
	}
	d.Gap(4)
	d.Rule()
	w := d.Width()
	d.Row(11, []string{t("commerce.receipt.item"), t("commerce.receipt.price")}, []float64{w - 45, 45}, []string{"L", "R"})
	d.Rule()
	for _, it := range r.Items {
		d.Row(11, []string{it.Title, m.won(lang, it.Price)}, []float64{w - 45, 45}, []string{"L", "R"})
	}
	d.Rule()
	total := "commerce.receipt.total"
	if r.Kind == "refund" {
		total = "commerce.receipt.refunded"
	}
	d.Row(13, []string{t(total), m.won(lang, r.Amount)}, []float64{w - 45, 45}, []string{"L", "R"})
	d.Gap(8)
	d.Text(9, "L", t("commerce.receipt.note"))
	return d.Bytes()
}
