package provide_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/platform/provide"
)

type Greeter interface{ Greet() string }
type Counter interface{ Count() int }

type english struct{}

func (english) Greet() string { return "hello" }

type both struct{}

func (both) Greet() string { return "안녕" }
func (both) Count() int    { return 2 }

type consumer struct {
	greeter provide.Slot[Greeter]
	counter provide.Slot[Counter]
}

func (c *consumer) Needs() []provide.Need { return []provide.Need{&c.greeter, &c.counter} }

func TestBindAndCheck(t *testing.T) {
	c := &consumer{}
	err := provide.Check("demo", c)
	if !errors.Is(err, provide.ErrUnbound) || !strings.Contains(err.Error(), "demo needs a provide_test.Greeter") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("unbound check: %v", err)
	}
	if err := provide.Bind[Greeter](c, english{}); err != nil {
		t.Fatal(err)
	}
	if got := c.greeter.Get().Greet(); got != "hello" {
		t.Fatalf("Get = %q", got)
	}
	if err := provide.Check("demo", c); err == nil || !strings.Contains(err.Error(), "provide_test.Counter") {
		t.Fatalf("half-bound check: %v", err)
	}
	if err := provide.Bind[Counter](c, both{}); err != nil {
		t.Fatal(err)
	}
	if err := provide.Check("demo", c); err != nil {
		t.Fatal(err)
	}
}

func TestBindRefusesNilAndUnknown(t *testing.T) {
	c := &consumer{}
	var nilGreeter *english
	if err := provide.Bind[Greeter](c, nilGreeter); err == nil {
		t.Error("a nil pointer was bound")
	}
	if err := provide.Bind[Greeter](c, nil); err == nil {
		t.Error("nil was bound")
	}
	if err := provide.Bind[error](c, errors.New("x")); err == nil || !strings.Contains(err.Error(), "has no slot for error") {
		t.Errorf("a type without a slot: %v", err)
	}
	if c.greeter.Bound() {
		t.Error("a refused bind left the slot bound")
	}
}

func TestReplaceBindsEverySlotTheDoubleImplements(t *testing.T) {
	c := &consumer{}
	_ = provide.Bind[Greeter](c, english{})
	if n := provide.Replace(c, both{}); n != 2 {
		t.Fatalf("Replace bound %d slots, want 2", n)
	}
	if c.greeter.Get().Greet() != "안녕" || c.counter.Get().Count() != 2 {
		t.Fatal("Replace did not rebind")
	}
	if n := provide.Replace(c, struct{}{}); n != 0 {
		t.Fatalf("an unrelated value bound %d slots", n)
	}
	if n := provide.Replace(c, nil); n != 0 {
		t.Fatalf("nil bound %d slots", n)
	}
}

func TestGetBeforeBindPanicsWithTheName(t *testing.T) {
	c := &consumer{}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "provide_test.Greeter") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	c.greeter.Get()
}
