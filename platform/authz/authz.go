// Package authz holds the permission matrix: role × object × action ×
// relation, declared in code by each module's Policies() and evaluated by a
// casbin enforcer. The relation of the caller to a resource ("owner",
// "enrolled", "self", …) is computed by the module in SQL and passed in, so
// the same check protects HTTP handlers, jobs and the assistant's tools.
//
// The role hierarchy is fixed here: student inherits anonymous (a signed-in
// caller may do whatever a visitor may), tutor inherits student, and admin
// may do everything.
package authz

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/weaverse/weaverse/platform/apperr"
)

// Relations of a caller to a resource. The module computes, in SQL, every
// relation that holds between the caller and the row at hand (a course can
// be both "published" and the caller's "owner") and passes them to Check;
// a rule matches when its relation is one of them. A rule with Rel Any
// matches whatever the relations; a caller with no relation to the row (or a
// route-level guard, which knows no row) is checked with None only, so only
// Any rules pass it.
const (
	Any       = "*"
	None      = "none"
	Owner     = "owner"     // the caller created or owns the row (a course's author, an image's uploader)
	Self      = "self"      // the row is the caller's own account
	Enrolled  = "enrolled"  // the caller has access to the course the row belongs to (bought, granted)
	Teaches   = "teaches"   // the row is a learner enrolled in one of the caller's courses
	Published = "published" // the row is published (visible to the public)
)

// Rels collects the relations that hold, for Check:
//
//	rels := authz.Rels{}.If(row.AuthorID == p.UserID, authz.Owner).If(row.Status == "published", authz.Published)
//
// Prefer computing the booleans in the query that loads the row.
type Rels []string

// If adds rel when cond holds.
func (r Rels) If(cond bool, rel string) Rels {
	if cond {
		return append(r, rel)
	}
	return r
}

// Policy is one allow rule.
type Policy struct {
	Role Role
	Obj  string // "<module>.<resource>", e.g. "catalog.course"
	Act  string // "read", "create", "update", "delete", … or "*"
	Rel  string // Any, Owner, Self, Enrolled, …
}

func (p Policy) String() string {
	return fmt.Sprintf("%s %s %s %s", p.Role, p.Obj, p.Act, p.Rel)
}

//go:embed model.conf
var modelConf string

// Enforcer evaluates the matrix. Policies are static for the process's life
// (they change only with a deploy), so the decision cache never goes stale.
type Enforcer struct {
	e        *casbin.SyncedCachedEnforcer
	policies []Policy
}

// New builds an enforcer with the fixed role hierarchy and no module rules.
func New() (*Enforcer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("authz: model: %w", err)
	}
	e, err := casbin.NewSyncedCachedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	e.EnableAutoSave(false)
	e.EnableLog(false)
	if _, err := e.AddGroupingPolicies([][]string{{string(Student), string(Anonymous)}, {string(Tutor), string(Student)}}); err != nil {
		return nil, err
	}
	if _, err := e.AddPolicy(string(Admin), "*", "*", "*"); err != nil {
		return nil, err
	}
	return &Enforcer{e: e}, nil
}

// Add registers a module's policies. Every object must be namespaced by the
// module ("<module>.<resource>"), so modules cannot grant on each other's
// resources by accident.
func (en *Enforcer) Add(module string, policies []Policy) error {
	rules := make([][]string, 0, len(policies))
	for _, p := range policies {
		if !p.Role.Valid() {
			return fmt.Errorf("authz: %s: unknown role %q in %s", module, p.Role, p)
		}
		if !strings.HasPrefix(p.Obj, module+".") || len(p.Obj) == len(module)+1 {
			return fmt.Errorf("authz: %s: object %q must be prefixed %q", module, p.Obj, module+".")
		}
		if p.Act == "" || p.Rel == "" {
			return fmt.Errorf("authz: %s: empty action or relation in %s", module, p)
		}
		rules = append(rules, []string{string(p.Role), p.Obj, p.Act, p.Rel})
	}
	if len(rules) == 0 {
		return nil
	}
	if _, err := en.e.AddPolicies(rules); err != nil {
		return fmt.Errorf("authz: %s: %w", module, err)
	}
	_ = en.e.InvalidateCache()
	en.policies = append(en.policies, policies...)
	return nil
}

// Allowed reports whether p may do act on obj given the relations that hold
// between p and the resource (none given: None). A nil or unknown principal
// is anonymous.
func (en *Enforcer) Allowed(p *Principal, obj, act string, rels ...string) bool {
	role := string(p.RoleOf())
	if len(rels) == 0 {
		return en.enforce(role, obj, act, None)
	}
	for _, rel := range rels {
		if en.enforce(role, obj, act, rel) {
			return true
		}
	}
	return false
}

func (en *Enforcer) enforce(role, obj, act, rel string) bool {
	ok, err := en.e.Enforce(role, obj, act, rel)
	return err == nil && ok
}

// Check returns nil when p may do act on obj given its relations (see
// Allowed); otherwise apperr.ErrAuthRequired for an anonymous caller and
// apperr.Forbidden for a known one. A module that must not reveal that a row
// exists turns the refusal into its own NotFound.
func (en *Enforcer) Check(p *Principal, obj, act string, rels ...string) error {
	if en.Allowed(p, obj, act, rels...) {
		return nil
	}
	if p.RoleOf() == Anonymous {
		return apperr.ErrAuthRequired
	}
	return apperr.New(apperr.Forbidden, "authz.forbidden", "problem.forbidden")
}

// Scope is what a list query may show the caller: every row (All: a
// relation-free rule allows, as for admins), or the rows that stand in one of
// Rels to the caller (the query filters on them in SQL), or none.
type Scope struct {
	All  bool
	Rels []string
}

// Has reports whether rows in relation rel are in scope.
func (s Scope) Has(rel string) bool { return s.All || slices.Contains(s.Rels, rel) }

// None reports whether no row is in scope.
func (s Scope) None() bool { return !s.All && len(s.Rels) == 0 }

// Scope tells which rows of obj p may act on, among the relations a list
// query can filter on (candidates): the same rules as Check, asked before the
// rows are loaded, so a list shows exactly the rows Check would allow one by
// one.
func (en *Enforcer) Scope(p *Principal, obj, act string, candidates ...string) Scope {
	if en.Allowed(p, obj, act) {
		return Scope{All: true}
	}
	var s Scope
	for _, rel := range candidates {
		if en.Allowed(p, obj, act, rel) {
			s.Rels = append(s.Rels, rel)
		}
	}
	return s
}

// Policies returns every module rule registered, sorted, for docs and golden tests.
func (en *Enforcer) Policies() []Policy {
	out := append([]Policy(nil), en.policies...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
