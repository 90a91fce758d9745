package remote

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// registry is a passport registry on loopback that counts what it was asked.
type registry struct {
	mu       sync.Mutex
	body     string
	etag     string
	status   int // 0 = serve the passport
	delay    time.Duration
	requests int
	ok200    int
	not304   int
	lastINM  string
	srv      *httptest.Server
}

func newRegistry(t *testing.T, body string) *registry {
	r := &registry{body: body, etag: `"v1"`}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests++
	r.lastINM = req.Header.Get("If-None-Match")
	status, body, etag, delay := r.status, r.body, r.etag, r.delay
	if status == 0 && r.lastINM != "" && r.lastINM == etag {
		r.not304++
		status = http.StatusNotModified
	} else if status == 0 {
		r.ok200++
	}
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return
		}
	}
	switch status {
	case 0:
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	case http.StatusNotModified:
		w.Header().Set("ETag", etag)
		w.WriteHeader(status)
	default:
		w.WriteHeader(status)
	}
}

func (r *registry) set(f func(r *registry)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

func (r *registry) counts() (requests, ok200, not304 int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, r.ok200, r.not304
}

// clock is a settable time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func opts(t *testing.T, url string, c *clock) Options {
	return Options{URL: url, CacheDir: t.TempDir(), Now: c.now}
}

const active = `{"passport_id":"p1","status":"active"}`
const suspended = `{"passport_id":"p1","status":"suspended"}`

func load(t *testing.T, o Options) *Result {
	t.Helper()
	r, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFreshCacheNoRequest(t *testing.T) {
	reg := newRegistry(t, active)
	c := &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	o := opts(t, reg.srv.URL+"/passports/p1", c)

	r := load(t, o)
	if string(r.Body) != active || r.FromCache || r.ETag != `"v1"` || !r.FetchedAt.Equal(c.t) {
		t.Fatalf("first load: %+v", r)
	}
	for _, d := range []time.Duration{time.Second, 10 * time.Second, 29 * time.Second} {
		c.t = r.FetchedAt.Add(d)
		r2 := load(t, o)
		if !r2.FromCache || r2.Revalidated || r2.Stale || string(r2.Body) != active {
			t.Errorf("after %v: %+v", d, r2)
		}
	}
	if n, _, _ := reg.counts(); n != 1 {
		t.Errorf("registry saw %d requests within the TTL, want 1", n)
	}
	fi, err := os.Stat(CachePath(o.CacheDir, o.URL))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestTTLRevalidatesWithETag(t *testing.T) {
	reg := newRegistry(t, active)
	c := &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	o := opts(t, reg.srv.URL+"/p", c)
	first := load(t, o)

	c.advance(31 * time.Second)
	r := load(t, o)
	if !r.FromCache || !r.Revalidated || r.Stale || string(r.Body) != active {
		t.Fatalf("after the TTL: %+v", r)
	}
	if !r.FetchedAt.Equal(first.FetchedAt) || !r.ValidatedAt.Equal(c.t) {
		t.Errorf("304 should keep FetchedAt %v and set ValidatedAt %v: %+v", first.FetchedAt, c.t, r)
	}
	n, ok200, not304 := reg.counts()
	if n != 2 || ok200 != 1 || not304 != 1 || reg.lastINM != `"v1"` {
		t.Errorf("registry saw %d requests, %d 200, %d 304, If-None-Match %q", n, ok200, not304, reg.lastINM)
	}
	// The 304 restarted the TTL.
	c.advance(20 * time.Second)
	load(t, o)
	if n, _, _ := reg.counts(); n != 2 {
		t.Errorf("a request was made within the TTL after a 304 (%d requests)", n)
	}
}

func TestRegistryChangeSeenWithinOneTTL(t *testing.T) {
	reg := newRegistry(t, active)
	c := &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	o := opts(t, reg.srv.URL+"/p", c)
	load(t, o)
	reg.set(func(r *registry) { r.body, r.etag = suspended, `"v2"` })
	c.advance(30 * time.Second)
	r := load(t, o)
	if string(r.Body) != suspended || r.FromCache || r.ETag != `"v2"` {
		t.Fatalf("one TTL after the registry suspended the passport: %+v", r)
	}
	// The new body is what the cache serves now.
	c.advance(time.Second)
	if r := load(t, o); string(r.Body) != suspended || !r.FromCache {
		t.Fatalf("cache after the change: %+v", r)
	}
}

func TestRegistryDownServesUntilMaxStale(t *testing.T) {
	reg := newRegistry(t, active)
	c := &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	o := opts(t, reg.srv.URL+"/p", c)
	start := c.t
	load(t, o)
	reg.srv.Close()

	for _, d := range []time.Duration{31 * time.Second, 2 * time.Minute, 5 * time.Minute} {
		c.t = start.Add(d)
		r, err := Load(o)
		if err != nil {
			t.Fatalf("registry down %v after validation: %v", d, err)
		}
		if !r.Stale || !r.FromCache || string(r.Body) != active {
			t.Errorf("down %v: %+v", d, r)
		}
	}
	c.t = start.Add(5*time.Minute + time.Second)
	_, err := Load(o)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("past MaxStale: %v, want ErrUnavailable", err)
	}
	for _, want := range []string{reg.srv.URL, "5m1s ago", "5m0s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestServerErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		withCache bool
		stale     bool  // a cached copy is served
		want      error // else
	}{
		{"500 with cache", 500, true, true, nil},
		{"503 with cache", 503, true, true, nil},
		{"429 with cache", 429, true, true, nil},
		{"500 without cache", 500, false, false, ErrUnavailable},
		{"404 is gone", 404, true, false, ErrGone},
		{"410 is gone", 410, true, false, ErrGone},
		{"403 is final", 403, true, false, nil},
		{"400 is final", 400, true, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := newRegistry(t, active)
			c := &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
			o := opts(t, reg.srv.URL+"/p", c)
			if tc.withCache {
				load(t, o)
				c.advance(time.Minute)
			}
			reg.set(func(r *registry) { r.status = tc.status })
			r, err := Load(o)
			if tc.stale {
				if err != nil || !r.Stale {
					t.Fatalf("Load = %+v, %v; want the stale cache", r, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load = %+v, want an error", r)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Load error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestGoneDropsCache(t *testing.T) {
	reg := newRegistry(t, active)
	c := &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	o := opts(t, reg.srv.URL+"/p", c)
	load(t, o)
	reg.set(func(r *registry) { r.status = 404 })
	c.advance(time.Minute)
	if _, err := Load(o); !errors.Is(err, ErrGone) {
		t.Fatalf("Load = %v, want ErrGone", err)
	}
	// A later outage must not bring the deleted passport back.
	reg.srv.Close()
	c.advance(time.Second)
	if _, err := Load(o); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("after gone, then down: %v, want ErrUnavailable", err)
	}
}

func TestOversizeRefused(t *testing.T) {
	big := `{"x":"` + strings.Repeat("a", MaxBody) + `"}`
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(big)))
				}
				w.Write([]byte(big))
			}))
			defer srv.Close()
			c := &clock{time.Now()}
			_, err := Load(opts(t, srv.URL, c))
			if err == nil || !strings.Contains(err.Error(), "allowed") {
				t.Fatalf("Load = %v, want a size error", err)
			}
		})
	}
}

func TestNotJSONIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html>captive portal</html>")
	}))
	defer srv.Close()
	if _, err := Load(opts(t, srv.URL, &clock{time.Now()})); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Load = %v, want ErrUnavailable", err)
	}
}

func TestTimeout(t *testing.T) {
	reg := newRegistry(t, active)
	reg.set(func(r *registry) { r.delay = 3 * time.Second })
	o := opts(t, reg.srv.URL, &clock{time.Now()})
	o.Timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := Load(o)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Load = %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Load took %v with a 200ms timeout", took)
	}
}

func TestRedirectToInsecureRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://registry.example.com/p", http.StatusFound)
	}))
	defer srv.Close()
	_, err := Load(opts(t, srv.URL, &clock{time.Now()}))
	if err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Fatalf("Load = %v, want the redirect refused", err)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://registry.example.com/p/1", true},
		{"HTTPS://registry.example.com/p/1", true},
		{"http://127.0.0.1:8080/p", true},
		{"http://127.9.9.9/p", true},
		{"http://localhost/p", true},
		{"http://LocalHost:1/p", true},
		{"http://[::1]:8080/p", true},
		{"http://registry.example.com/p", false},
		{"http://10.0.0.1/p", false},
		{"http://169.254.169.254/p", false},
		{"http://127.0.0.1.nip.io/p", false},
		{"http://localhost.example.com/p", false},
		{"http://[::2]/p", false},
		{"ftp://registry.example.com/p", false},
		{"file:///etc/passwd", false},
		{"registry.example.com/p", false},
		{"https://", false},
		{"", false},
		{"http://%zz", false},
	}
	for _, tc := range tests {
		_, err := CheckURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
	// Load refuses before any I/O.
	dir := t.TempDir() + "/cache"
	if _, err := Load(Options{URL: "http://registry.example.com/p", CacheDir: dir}); err == nil {
		t.Error("Load accepted http:// to a non-loopback host")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("a refused URL created the cache directory")
	}
}

func TestCacheKeepsNoPasswordAndIgnoresOtherURL(t *testing.T) {
	reg := newRegistry(t, active)
	c := &clock{time.Now()}
	o := opts(t, strings.Replace(reg.srv.URL, "http://", "http://user:s3cret@", 1)+"/p", c)
	load(t, o)
	b, err := os.ReadFile(CachePath(o.CacheDir, o.URL))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") {
		t.Error("the cache file holds the URL's password")
	}
	// A cache file that belongs to another URL is not served.
	other := Options{URL: reg.srv.URL + "/q", CacheDir: o.CacheDir, Now: c.now}
	if err := os.Rename(CachePath(o.CacheDir, o.URL), CachePath(o.CacheDir, other.URL)); err != nil {
		t.Fatal(err)
	}
	reg.srv.Close()
	if _, err := Load(other); err == nil {
		t.Error("served another URL's cached passport")
	}
}

func TestCorruptCacheRefetches(t *testing.T) {
	reg := newRegistry(t, active)
	c := &clock{time.Now()}
	o := opts(t, reg.srv.URL+"/p", c)
	load(t, o)
	if err := os.WriteFile(CachePath(o.CacheDir, o.URL), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := load(t, o)
	if r.FromCache || string(r.Body) != active {
		t.Fatalf("corrupt cache: %+v", r)
	}
	if _, ok200, _ := reg.counts(); ok200 != 2 {
		t.Errorf("registry served %d bodies, want 2", ok200)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{URL: "https://r.example.com/p"},
		{URL: "https://r.example.com/p", CacheDir: t.TempDir(), TTL: -1},
		{URL: "https://r.example.com/p", CacheDir: t.TempDir(), MaxStale: -1},
	} {
		if _, err := Load(o); err == nil {
			t.Errorf("Load(%+v) succeeded", o)
		}
	}
}

// BenchmarkLoadFresh is the hot path of hybrid mode: a cache within its TTL,
// no request.
func BenchmarkLoadFresh(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, active) }))
	defer srv.Close()
	o := Options{URL: srv.URL + "/p", CacheDir: b.TempDir(), TTL: time.Hour}
	if _, err := Load(o); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if r, err := Load(o); err != nil || !r.FromCache {
			b.Fatal(err)
		}
	}
}
