package db

// StmtText returns the text Postgres receives for s.
func StmtText(s Stmt) string { return s.pg }
