package media

// DecodesAdmitted is how many image decodes the module's gate has admitted
// and not yet released (for tests that must act while decodes run).
func (m *Module) DecodesAdmitted() int64 { return m.svc.decoding.active.Load() }

// DecodesRequested is how many image decodes have asked the module's gate
// for admission so far.
func (m *Module) DecodesRequested() int64 { return m.svc.decoding.requested.Load() }

// LibraryURL is the library's URL as catalog.MediaLibrary gives it to the
// course editor.
func LibraryURL(forCourse, forTopic int64) string { return library{}.LibraryURL(forCourse, forTopic) }
