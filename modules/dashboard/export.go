package dashboard

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/platform/authz"
)

// The dashboards' tables as CSV, for a spreadsheet: UTF-8 with a byte
// order mark (Excel reads Hangul right only with it), one header row in the
// page's language, the range of the page. A cell that a spreadsheet would
// run as a formula (=, +, -, @ first) is prefixed with an apostrophe.

func (m *Module) adminExport(c *fiber.Ctx) error { return m.export(c, true) }

func (m *Module) studioExport(c *fiber.Ctx) error { return m.export(c, false) }

func (m *Module) export(c *fiber.Ctx, admin bool) error {
	ctx, p := c.UserContext(), authz.PrincipalFrom(c.UserContext())
	table := c.Params("table")
	var (
		r   *Report
		err error
	)
	if admin {
		r, err = m.svc.AdminReport(ctx, p, rangeQuery(c))
	} else {
		r, err = m.svc.TutorReport(ctx, p, rangeQuery(c))
	}
	if err != nil {
		return err
	}
	t := func(id string) string { return m.web.T(c, "dashboard.csv."+id) }
	var rows [][]string
	switch table {
	case "daily":
		rows = dailyCSV(r, admin, t)
	case "courses":
		rows = [][]string{{t("course_id"), t("course"), t("enrolled"), t("with_access"), t("started"), t("completed"),
			t("completion_rate"), t("certified"), t("enrollments"), t("completions"), t("watch_hours"), t("sales"),
			t("revenue"), t("drop_off")}}
		for _, c := range r.Courses {
			drop := ""
			if c.DropOff != nil {
				drop = c.DropOff.Title
			}
			rows = append(rows, []string{itoa(c.CourseID), c.Title, n(c.Enrolled), n(c.WithAccess), n(c.Started),
				n(c.Completed), strconv.Itoa(c.CompletionRate), n(c.Certified), n(c.Enrollments), n(c.Completions),
				hours(c.WatchSeconds), n(c.Sales), n(c.Revenue), drop})
		}
	case "funnel":
		rows = [][]string{{t("course_id"), t("course"), t("topic_id"), t("topic"), t("kind"), t("completed"),
			t("reached"), t("stopped")}}
		for _, c := range r.Courses {
			for _, f := range c.Funnel {
				rows = append(rows, []string{itoa(c.CourseID), c.Title, itoa(f.TopicID), f.Title, f.Kind,
					n(f.Completed), strconv.Itoa(f.Reached), n(f.Stopped)})
			}
		}
	case "missions":
		rows = [][]string{{t("course"), t("topic_id"), t("mission"), t("kind"), t("attempted"), t("passed"),
			t("pass_rate"), t("average_best")}}
		for _, ms := range r.Missions {
			rows = append(rows, []string{ms.CourseTitle, itoa(ms.TopicID), ms.Title, ms.Mission, n(ms.Attempted),
				n(ms.Passed), strconv.Itoa(ms.PassRate), strconv.FormatFloat(ms.AverageBest, 'f', 1, 64)})
		}
	case "videos":
		rows = [][]string{{t("course"), t("topic_id"), t("video"), t("viewers"), t("watch_hours"), t("completed"),
			t("completion_rate"), t("rewatch")}}
		for _, v := range r.Videos {
			rows = append(rows, []string{v.CourseTitle, itoa(v.TopicID), v.Title, n(v.Viewers), hours(v.WatchSeconds),
				n(v.Completed), strconv.Itoa(v.CompletionRate), strconv.Itoa(v.Rewatch)})
		}
	case "payments":
		var list []commerce.PaymentRow
		if list, err = m.payments(ctx, admin, p, r); err != nil {
			return err
		}
		rows = [][]string{{t("order_id"), t("buyer"), t("items"), t("amount"), t("status"), t("provider"),
			t("paid_at"), t("refunded_at")}}
		for _, pay := range list {
			refunded := ""
			if pay.RefundedAt != nil {
				refunded = pay.RefundedAt.Format(time.RFC3339)
			}
			rows = append(rows, []string{itoa(pay.OrderID), pay.Buyer, pay.Items, n(pay.Amount), pay.Status,
				pay.Provider, pay.PaidAt.Format(time.RFC3339), refunded})
		}
	case "learners":
		if admin {
			return errBadTable
		}
		ids := make([]int64, 0, len(r.Courses))
		for _, c := range r.Courses {
			ids = append(ids, c.CourseID)
		}
		titles := map[int64]string{}
		for _, c := range r.Courses {
			titles[c.CourseID] = c.Title
		}
		list, err := m.svc.learners(ctx, ids, exportRows, titles)
		if err != nil {
			return err
		}
		rows = [][]string{{t("learner"), t("course"), t("completed_topics"), t("total_topics"), t("percent"),
			t("watch_hours"), t("access"), t("last_activity"), t("completed_at")}}
		for _, l := range list {
			rows = append(rows, []string{l.Nickname, l.CourseTitle, strconv.Itoa(l.CompletedTopics),
				strconv.Itoa(l.TotalTopics), strconv.Itoa(l.Percent), hours(l.LearningSeconds),
				strconv.FormatBool(l.Access), stamp(l.LastActivityAt), stamp(l.CompletedAt)})
		}
	default:
		return errBadTable
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	for _, row := range rows {
		for i, cell := range row {
			row[i] = defuse(cell)
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	name := "weaverse-" + table + "-" + r.Range.From + "-" + r.Range.To + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

// payments are the orders of the range for the CSV (the page shows the
// latest few).
func (m *Module) payments(ctx context.Context, admin bool, p *authz.Principal, r *Report) ([]commerce.PaymentRow, error) {
	var filter []int64
	if !admin {
		filter = []int64{}
		for _, c := range r.Courses {
			filter = append(filter, c.CourseID)
		}
		filter = nonEmpty(filter)
	}
	// The range's payments, newest first: those paid before the day after
	// its last, kept while paid on or after its first (at most exportRows).
	off := m.svc.offset(m.svc.clock.Now())
	end, err := dayStart(dayAdd(r.Range.To, 1), off)
	if err != nil {
		return nil, err
	}
	start, err := dayStart(r.Range.From, off)
	if err != nil {
		return nil, err
	}
	list, err := m.svc.commerce.RecentPayments(ctx, exportRows, filter, end)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, pay := range list {
		if !pay.PaidAt.Before(start) {
			out = append(out, pay)
		}
	}
	return out, nil
}

func dailyCSV(r *Report, admin bool, t func(string) string) [][]string {
	head := []string{t("day")}
	if admin {
		head = append(head, t("active_users"), t("signups"))
	}
	head = append(head, t("revenue"), t("refunded"), t("orders"), t("enrollments"), t("completions"),
		t("watch_hours"), t("submissions"), t("passes"), t("questions"), t("certificates"))
	rows := [][]string{head}
	for _, d := range r.Daily {
		row := []string{d.Day}
		if admin {
			row = append(row, n(d.ActiveUsers), n(d.Signups))
		}
		row = append(row, n(d.Revenue), n(d.Refunded), n(d.Orders), n(d.Enrollments), n(d.Completions),
			hours(d.WatchSeconds), n(d.Submissions), n(d.Passes), n(d.Questions), n(d.Certificates))
		rows = append(rows, row)
	}
	return rows
}

func n(v int64) string { return strconv.FormatInt(v, 10) }

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

// defuse keeps a spreadsheet from running a cell as a formula.
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		if _, err := strconv.ParseFloat(cell, 64); err == nil {
			return cell // a negative number is a number
		}
		return "'" + cell
	}
	return cell
}
