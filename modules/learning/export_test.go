package learning

// GroupFailures is how many group commits of watch events failed (their
// calls then ran alone).
func (m *Module) GroupFailures() int64 { return m.svc.watches.failed.Load() }
