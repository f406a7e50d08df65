package fakeprovider

// reader reads one request's parameters with a sticky error, the way
// bufio.Scanner keeps its first: a handler reads everything it needs,
// then checks err once. After the first bad parameter every read returns
// the zero value, so the answer names the first problem, as Stripe's
// does.
type reader struct {
	f   *form
	err *apiError
}

// in returns a reader of the call's parameters. It is small and stays
// on the handler's stack.
func (c *call) in() *reader { return &reader{f: c.f} }

// fail records e unless an earlier error is already kept. Handlers use it
// for their own checks between reads.
func (r *reader) fail(e *apiError) {
	if r.err == nil && e != nil {
		r.err = e
	}
}

// ok reports whether nothing has failed yet.
func (r *reader) ok() bool { return r.err == nil }

func (r *reader) has(name string) bool { return r.f.has(name) }

func (r *reader) str(name string) (string, bool) {
	if r.err != nil {
		return "", false
	}
	s, ok, e := r.f.strParam(name)
	r.fail(e)
	return s, ok && e == nil
}

func (r *reader) num(name string) (int64, bool) {
	if r.err != nil {
		return 0, false
	}
	n, ok, e := r.f.int64Param(name)
	r.fail(e)
	return n, ok && e == nil
}

func (r *reader) flag(name string) (bool, bool) {
	if r.err != nil {
		return false, false
	}
	v, ok, e := r.f.boolParam(name)
	r.fail(e)
	return v, ok && e == nil
}

func (r *reader) enum(name string, allowed ...string) string {
	if r.err != nil {
		return ""
	}
	s, _, e := r.f.enumParam(name, allowed...)
	r.fail(e)
	return s
}

func (r *reader) list(name string) ([]string, bool) {
	if r.err != nil {
		return nil, false
	}
	l, ok, e := r.f.list(name)
	r.fail(e)
	return l, ok && e == nil
}

func (r *reader) sub(name, key string) (string, bool) {
	if r.err != nil {
		return "", false
	}
	s, ok, e := r.f.sub(name, key)
	r.fail(e)
	return s, ok && e == nil
}

func (r *reader) subFlag(name, key string) (bool, bool) {
	if r.err != nil {
		return false, false
	}
	v, ok, e := subBool(r.f, name, key)
	r.fail(e)
	return v, ok && e == nil
}

// hash reads a hash of strings (address[city]=…): its pairs, whether it
// was sent, and whether it was cleared ("address=").
func (r *reader) hash(name string) (kv []pair, sent, cleared bool) {
	if r.err != nil {
		return nil, false, false
	}
	kv, sent, cleared, e := r.f.hash(name)
	r.fail(e)
	return kv, sent && e == nil, cleared
}

// subStr reads a[b] from a parameter whose other keys may be of any
// shape (payment_intent_data[metadata][k] beside [description]).
func (r *reader) subStr(name, key string) (string, bool) {
	if r.err != nil {
		return "", false
	}
	s, ok, e := subStr(r.f, name, key)
	r.fail(e)
	return s, ok && e == nil
}

// metadata reads metadata: the keys to set, whether it was sent, and
// whether it was cleared ("metadata=").
func (r *reader) metadata() (kv []pair, sent, cleared bool) {
	if r.err != nil {
		return nil, false, false
	}
	kv, sent, cleared, e := r.f.metadataParam()
	r.fail(e)
	return kv, sent && e == nil, cleared
}

// expand reads expand[] for an object that can expand allowed.
func (r *reader) expand(allowed expansion) expansion { return r.expansions(allowed, false) }

// expandList reads expand[] for a list or search result whose objects
// can expand allowed: each path starts with "data.".
func (r *reader) expandList(allowed expansion) expansion { return r.expansions(allowed, true) }

func (r *reader) expansions(allowed expansion, list bool) expansion {
	if r.err != nil {
		return 0
	}
	x, e := r.f.expansions(allowed, list)
	r.fail(e)
	return x
}
