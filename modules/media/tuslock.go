package media

// Upload locks shared by every instance: tusd's handler.Locker over the
// media_tus_locks table, as leases.
//
// A lock is a row (upload_id, holder, expires_at). It is taken with one
// statement that works on SQLite and Postgres alike,
//
//	INSERT … ON CONFLICT (upload_id) DO UPDATE SET holder = EXCLUDED.holder, …
//	    WHERE media_tus_locks.expires_at < now
//
// which inserts a free lock or takes over one whose lease ran out (its
// holder died or lost the database), and changes nothing while the lease is
// live: the statement reports one row changed or none. While it holds the
// lock, a heartbeat goroutine renews the lease every lease/3 and watches
// the row; Unlock stops it and deletes the row.
//
// tusd asks a holder to let go when another request wants the upload (a
// client resuming after its connection dropped, while the server still
// waits on the dead PATCH): the waiter's Lock calls the holder's
// requestRelease. Within this process that is a direct call, and the
// waiter wakes as soon as the holder unlocks; across instances the waiter
// sets release_requested on the row, which the holder's heartbeat sees
// within tusLockPoll, and the waiter polls the row. A holder that finds its
// lease taken over (it could not renew it in time) is asked to stop too.
//
// Leases run on the wall clock (time.Now), not the module's clock: they are
// about processes being alive, like network timeouts, and test clocks that
// stand still must not make them eternal. Instances compare their own
// clocks, so they must agree within a few seconds (NTP); a holder that
// cannot renew stops with a third of its lease left (see heartbeat).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/weaverse/weaverse/platform/db"
)

const (
	// tusLockLease is how long a lock lasts without renewal: how long an
	// upload stays locked after its holder died.
	tusLockLease = 30 * time.Second
	// tusLockPoll is how often a holder looks for a release request from
	// another instance, and the longest a waiter sleeps between two looks
	// at the lock.
	tusLockPoll = 250 * time.Millisecond
	// tusLockQueryTimeout bounds one statement of the locker that must not
	// be cut short by the request's end (taking, renewing, deleting a lease).
	tusLockQueryTimeout = 10 * time.Second
)

// dbLocker is tusd's handler.Locker over media_tus_locks.
type dbLocker struct {
	db     *db.DB
	st     store
	logger *slog.Logger
	lease  time.Duration
	renew  time.Duration
	poll   time.Duration
	// instance names this process in holder ids (host and pid), for people
	// reading the table.
	instance string

	mu   sync.Mutex
	held map[string]*dbLock // locks this locker holds now, by upload id
}

func newDBLocker(d *db.DB, logger *slog.Logger, lease, poll time.Duration) *dbLocker {
	host, _ := os.Hostname()
	return &dbLocker{db: d, logger: logger, lease: lease, renew: lease / 3, poll: poll,
		instance: fmt.Sprintf("%s:%d", host, os.Getpid()), held: map[string]*dbLock{}}
}

// NewLock implements tusd.Locker.
func (l *dbLocker) NewLock(id string) (tusd.Lock, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &dbLock{l: l, id: id, holder: l.instance + ":" + hex.EncodeToString(b)}, nil
}

// dbLock is one request's lock on one upload.
type dbLock struct {
	l      *dbLocker
	id     string
	holder string

	// While held:
	requestRelease func()
	askOnce        sync.Once     // requestRelease is called once
	stop           chan struct{} // closed by Unlock: the heartbeat ends
	beat           chan struct{} // closed when the heartbeat has ended
	released       chan struct{} // closed by Unlock: local waiters retry
	unlockOnce     sync.Once
	unlockErr      error
}

func (k *dbLock) askRelease() {
	k.askOnce.Do(func() {
		if k.requestRelease != nil {
			k.requestRelease()
		}
	})
}

// Lock implements tusd.Lock: it returns once the lock is this request's, or
// tusd.ErrLockTimeout when ctx ends first.
func (k *dbLock) Lock(ctx context.Context, requestRelease func()) error {
	l := k.l
	wait := 10 * time.Millisecond
	asked := "" // the holder asked to release, across instances
	for {
		row, found, err := l.current(ctx, k.id)
		if err != nil {
			if ctx.Err() != nil {
				return tusd.ErrLockTimeout
			}
			return err
		}
		now := time.Now().UTC()
		l.mu.Lock()
		h := l.held[k.id]
		l.mu.Unlock()
		// A holder in this process is alive whatever its lease says (it may
		// not have renewed it while the SQLite writer was busy): it is asked
		// to let go below, never overtaken.
		if h == nil && (!found || !row.ExpiresAt.After(now)) {
			ok, err := l.acquire(ctx, k.id, k.holder, now)
			if err != nil {
				if ctx.Err() != nil {
					return tusd.ErrLockTimeout
				}
				return err
			}
			if ok {
				k.held(requestRelease)
				return nil
			}
			continue // taken meanwhile: look again
		}
		// Held by someone else: ask them to let go, then wait.
		var local <-chan struct{}
		if h != nil {
			local = h.released
			h.askRelease()
		} else {
			if asked != row.Holder {
				if err := l.st.askRelease(ctx, l.db.W, k.id, row.Holder); err != nil {
					if ctx.Err() != nil {
						return tusd.ErrLockTimeout
					}
					return err
				}
				asked = row.Holder
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return tusd.ErrLockTimeout
		case <-local: // nil (never) unless the holder is ours
		case <-t.C:
		}
		t.Stop()
		wait = min(2*wait, l.poll)
	}
}

// tryLock takes the lock of an upload only if nobody holds it, without
// asking a holder to let go (housekeeping must not interrupt a request).
func (l *dbLocker) tryLock(ctx context.Context, id string) (*dbLock, bool, error) {
	lk, err := l.NewLock(id)
	if err != nil {
		return nil, false, err
	}
	k := lk.(*dbLock)
	row, found, err := l.current(ctx, id)
	if err != nil {
		return nil, false, err
	}
	now := time.Now().UTC()
	if found && row.ExpiresAt.After(now) {
		return nil, false, nil
	}
	ok, err := l.acquire(ctx, id, k.holder, now)
	if err != nil || !ok {
		return nil, false, err
	}
	k.held(nil)
	return k, true, nil
}

// held records the lock as this locker's and starts its heartbeat.
func (k *dbLock) held(requestRelease func()) {
	k.requestRelease = requestRelease
	k.stop, k.beat, k.released = make(chan struct{}), make(chan struct{}), make(chan struct{})
	k.l.mu.Lock()
	k.l.held[k.id] = k
	k.l.mu.Unlock()
	go k.heartbeat()
}

// heartbeat renews the lease until Unlock, and asks the request to stop
// when another instance wants the upload or the lease was lost.
func (k *dbLock) heartbeat() {
	defer close(k.beat)
	l := k.l
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-k.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	tick := time.NewTicker(l.poll)
	defer tick.Stop()
	renewed := time.Now()
	lost := false
	for {
		select {
		case <-k.stop:
			return
		case <-tick.C:
		}
		if lost {
			continue // asked already; Unlock will come
		}
		if time.Since(renewed) >= l.renew {
			ok, err := l.extend(ctx, k.id, k.holder)
			switch {
			case err != nil && ctx.Err() != nil:
				return // Unlock
			case err != nil:
				l.logger.Warn("renewing an upload lock", "upload", k.id, "err", err)
				// Near the end of its lease another instance may take it:
				// stop while a third of the lease is left, time for the
				// request to end before a taker writes. Not on SQLite, where
				// one process owns the database (takers in it wait for this
				// holder, see Lock) and the renewal waits for that process's
				// own writer; once the writer is free, a lease really taken
				// shows as !ok.
				if time.Since(renewed) >= 2*l.lease/3 && !l.db.IsSQLite() {
					lost = true
				}
			case !ok:
				lost = true
			default:
				renewed = time.Now()
			}
		} else {
			row, found, err := l.current(ctx, k.id)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil:
				// The renewal above decides if this lasts.
			case !found || row.Holder != k.holder:
				lost = true
			case row.ReleaseRequested:
				k.askRelease()
			}
		}
		if lost {
			l.logger.Warn("upload lock lost: stopping the request", "upload", k.id)
			k.askRelease()
		}
	}
}

// Unlock implements tusd.Lock: it ends the heartbeat and deletes the lease.
func (k *dbLock) Unlock() error {
	k.unlockOnce.Do(func() {
		if k.stop == nil {
			return // never locked
		}
		close(k.stop)
		<-k.beat
		// Up to a lease: after that the lease has run out anyway.
		ctx, cancel := context.WithTimeout(context.Background(), max(k.l.lease, tusLockQueryTimeout))
		defer cancel()
		k.unlockErr = k.l.st.dropLock(ctx, k.l.db.W, k.id, k.holder)
		k.l.mu.Lock()
		if k.l.held[k.id] == k {
			delete(k.l.held, k.id)
		}
		k.l.mu.Unlock()
		close(k.released)
	})
	return k.unlockErr
}

// abandon stops the heartbeat without releasing the lease, as a process
// that died would (tests).
func (k *dbLock) abandon() {
	k.unlockOnce.Do(func() {
		close(k.stop)
		<-k.beat
		k.l.mu.Lock()
		delete(k.l.held, k.id)
		k.l.mu.Unlock()
	})
}

// ---- the table (store_tus.go) ----------------------------------------------

// current reads the lock of an upload (through the reader pool).
func (l *dbLocker) current(ctx context.Context, id string) (tusLockRow, bool, error) {
	return l.st.lock(ctx, l.db.R, id)
}

// acquire takes the lock if it is free or its lease has run out. The
// statement runs to its end even when ctx ends meanwhile, so its outcome is
// known (a lease taken but not reported would block the upload for a lease).
func (l *dbLocker) acquire(ctx context.Context, id, holder string, now time.Time) (bool, error) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tusLockQueryTimeout)
	defer cancel()
	ok, err := l.st.takeLock(qctx, l.db.W, &tusLockRow{UploadID: id, Holder: holder, ExpiresAt: now.Add(l.lease)}, now)
	if err != nil {
		return false, fmt.Errorf("taking the lock of upload %s: %w", id, err)
	}
	return ok, nil
}

// extend renews the lease; false means it is no longer the holder's.
func (l *dbLocker) extend(ctx context.Context, id, holder string) (bool, error) {
	qctx, cancel := context.WithTimeout(ctx, tusLockQueryTimeout)
	defer cancel()
	return l.st.extendLock(qctx, l.db.W, id, holder, time.Now().UTC().Add(l.lease))
}

// pruneLocks deletes leases that ran out long ago (holders that died on
// uploads nobody came back to).
func (l *dbLocker) pruneLocks(ctx context.Context) error {
	return l.st.pruneLocks(ctx, l.db.W, time.Now().UTC().Add(-time.Hour))
}
