// Package provide binds what a lower module consumes from an upper one.
//
// Modules are built in dependency order (accounts before auth, catalog
// before learning), so a lower module cannot receive an upper module's
// service in its Deps: the catalog needs the learning module's entitlements,
// but learning needs the catalog. The lower module declares the interface in
// its api.go and holds it in a Slot; the composition root (app/) builds
// every module, then binds each slot in a second step, and refuses to start
// when a required one is still unbound:
//
//	// modules/catalog: a Slot field, listed by Needs
//	type Module struct{ entitlements provide.Slot[Entitlements] }
//	func (m *Module) Needs() []provide.Need { return []provide.Need{&m.entitlements} }
//
//	// app/modules.go, after every New
//	provide.Bind[catalog.Entitlements](cat, learn.Entitlements())
//
// A slot is read (Get) only once the app is wired, from requests and jobs.
package provide

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
)

// Slot holds one late-bound dependency of interface type T.
type Slot[T any] struct{ v atomic.Pointer[T] }

// Get returns the bound value. Calling it before the app bound the slot is
// a wiring bug (the app's start-up check makes it unreachable), so it panics
// with the interface's name.
func (s *Slot[T]) Get() T {
	p := s.v.Load()
	if p == nil {
		panic(fmt.Sprintf("provide: %s is used before it was bound", typeName[T]()))
	}
	return *p
}

// Bound reports whether a value was bound.
func (s *Slot[T]) Bound() bool { return s.v.Load() != nil }

// Interface is T, the type the slot is bound by.
func (s *Slot[T]) Interface() reflect.Type { return reflect.TypeFor[T]() }

func (s *Slot[T]) bind(v any) bool {
	t, ok := v.(T)
	if !ok || isNil(v) {
		return false
	}
	s.v.Store(&t)
	return true
}

// Need is a Slot seen without its type parameter.
type Need interface {
	Interface() reflect.Type
	Bound() bool
	bind(v any) bool
}

// Consumer is a module with late-bound needs.
type Consumer interface {
	Needs() []Need
}

// Bind binds v to c's slot of interface type T. It fails when c has no such
// slot or v is nil: both are wiring bugs worth a start-up error.
func Bind[T any](c Consumer, v T) error {
	want := reflect.TypeFor[T]()
	if isNil(v) {
		return fmt.Errorf("provide: binding a nil %s", typeName[T]())
	}
	for _, n := range c.Needs() {
		if n.Interface() == want {
			n.bind(v)
			return nil
		}
	}
	return fmt.Errorf("provide: %T has no slot for %s", c, typeName[T]())
}

// Replace binds v to every slot of c whose interface v implements, and
// returns how many it bound. Tests use it to put a double in place of a
// real provider after the app was wired (before it serves).
func Replace(c Consumer, v any) int {
	if isNil(v) {
		return 0
	}
	n := 0
	for _, need := range c.Needs() {
		if reflect.TypeOf(v).Implements(need.Interface()) && need.bind(v) {
			n++
		}
	}
	return n
}

// ErrUnbound is wrapped by Check's error.
var ErrUnbound = errors.New("required provider not bound")

// Check returns an error naming the first unbound slot of c, one line:
// "catalog needs a catalog.Entitlements: required provider not bound".
func Check(name string, c Consumer) error {
	for _, n := range c.Needs() {
		if !n.Bound() {
			return fmt.Errorf("%s needs a %s: %w (bind one in app/modules.go)", name, n.Interface(), ErrUnbound)
		}
	}
	return nil
}

func typeName[T any]() string { return reflect.TypeFor[T]().String() }

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return rv.IsNil()
	}
	return false
}
