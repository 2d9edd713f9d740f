package mail

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestDirAndMemory(t *testing.T) {
	dir := t.TempDir()
	d := &Dir{Path: dir, From: "Weaverse <no-reply@localhost>"}
	if err := d.Send(context.Background(), Message{To: []string{"a@example.com"}, Subject: "비밀번호 재설정", Text: "링크"}); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	data, _ := os.ReadFile(dir + "/" + files[0].Name())
	if !strings.Contains(string(data), "To: a@example.com") || !strings.Contains(string(data), "링크") {
		t.Fatalf("mail file: %s", data)
	}
	if err := d.Send(context.Background(), Message{}); err == nil {
		t.Fatal("mail without recipient accepted")
	}
	var m Memory
	_ = m.Send(context.Background(), Message{To: []string{"B@example.com"}, Subject: "1"})
	_ = m.Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "2"})
	if last, ok := m.Last("b@EXAMPLE.com"); !ok || last.Subject != "2" || len(m.Messages()) != 2 {
		t.Fatalf("memory: %+v", m.Messages())
	}
}
