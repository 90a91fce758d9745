// Package remote loads passports from a registry over HTTPS, with an on-disk
// cache so that the hook's hot path normally makes no request at all
// (hybrid mode).
//
// Within the TTL after the cache was last validated, Load serves the cache
// without a request. After it, Load revalidates with If-None-Match: 304
// refreshes the validation time, 200 replaces the cache, 404 or 410 means the
// passport is gone (an error; the cache is dropped). When the registry cannot
// be reached (network error, timeout, 429, 5xx), the cached copy is served
// while it was last validated within MaxStale, and after that Load fails
// with an error that names the registry and the age of the cache.
//
// The package only fetches bytes; it does not parse or judge the passport.
// It does no work at init, so a process that reads its passport from a file
// pays nothing for it beyond linking net/http.
package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aporthq/aport/internal/atomicfile"
	"github.com/aporthq/aport/internal/fsx"
)

// Defaults for zero Options fields.
const (
	DefaultTTL      = 30 * time.Second
	DefaultMaxStale = 5 * time.Minute
	DefaultTimeout  = 2 * time.Second
	// MaxBody bounds a passport fetched from a registry.
	MaxBody = 1 << 20
)

// ErrGone is returned (wrapped) when the registry answers 404 or 410: the
// passport does not exist any more.
var ErrGone = errors.New("passport is gone from the registry")

// ErrUnavailable is returned (wrapped) when the registry cannot be reached
// and no cached copy is fresh enough to serve.
var ErrUnavailable = errors.New("passport registry unavailable")

// Options say where a passport is and how long a cached copy may be used.
type Options struct {
	URL      string
	CacheDir string        // created 0700 if missing
	TTL      time.Duration // serve the cache without a request this long after a validation; 0 = DefaultTTL
	MaxStale time.Duration // serve the cache this long after a validation when the registry is down; 0 = DefaultMaxStale
	Timeout  time.Duration // the whole request, body included; 0 = DefaultTimeout
	Now      func() time.Time
	Client   *http.Client // nil = a client with no cookies and bounded redirects
}

// Result is a passport's bytes and where they came from.
type Result struct {
	Body        []byte
	FromCache   bool      // served from the cache (with or without a request)
	Revalidated bool      // the registry answered 304 to this Load
	Stale       bool      // served from the cache because the registry could not be reached
	FetchedAt   time.Time // when the body was last downloaded (200)
	ValidatedAt time.Time // when the registry last confirmed the body (200 or 304)
	ETag        string
}

// cacheEntry is the cache file of one URL.
type cacheEntry struct {
	URL         string    `json:"url"` // redacted: no password
	ETag        string    `json:"etag,omitempty"`
	FetchedAt   time.Time `json:"fetched_at"`
	ValidatedAt time.Time `json:"validated_at"`
	Body        []byte    `json:"body"`
}

// Load returns the passport at opt.URL, from the cache or the registry as
// described in the package comment. Every failure is an error; none is a
// silent fallback.
func Load(opt Options) (*Result, error) {
	u, err := CheckURL(opt.URL)
	if err != nil {
		return nil, err
	}
	if opt.CacheDir == "" {
		return nil, errors.New("remote: no cache directory given")
	}
	if opt.TTL < 0 || opt.MaxStale < 0 || opt.Timeout < 0 {
		return nil, errors.New("remote: TTL, MaxStale and Timeout must not be negative")
	}
	if opt.TTL == 0 {
		opt.TTL = DefaultTTL
	}
	if opt.MaxStale == 0 {
		opt.MaxStale = DefaultMaxStale
	}
	if opt.Timeout == 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	name := u.Redacted()
	path := CachePath(opt.CacheDir, opt.URL)
	now := opt.Now()

	cached := readCache(path, name)
	if cached != nil {
		age := now.Sub(cached.ValidatedAt)
		if age >= 0 && age < opt.TTL {
			return cached.result(true, false, false), nil
		}
	}

	fresh, status, err := fetch(opt, u, cached)
	switch {
	case err == nil && status == http.StatusOK:
		fresh.URL = name
		fresh.FetchedAt, fresh.ValidatedAt = now, now
		if err := writeCache(opt.CacheDir, path, fresh); err != nil {
			return nil, err
		}
		return fresh.result(false, false, false), nil
	case err == nil && status == http.StatusNotModified:
		cached.ValidatedAt = now
		if err := writeCache(opt.CacheDir, path, cached); err != nil {
			return nil, err
		}
		return cached.result(true, true, false), nil
	case err == nil && (status == http.StatusNotFound || status == http.StatusGone):
		_ = os.Remove(path) // never serve a passport the registry says is gone
		return nil, fmt.Errorf("remote: %w: %s answered %d", ErrGone, name, status)
	case err == nil:
		return nil, fmt.Errorf("remote: %s answered %d %s; expected 200 or 304", name, status, http.StatusText(status))
	}
	var down unavailable
	if !errors.As(err, &down) {
		return nil, err
	}
	// The registry could not be reached.
	if cached == nil {
		return nil, fmt.Errorf("remote: %w: %s: %v; no cached copy", ErrUnavailable, name, err)
	}
	age := now.Sub(cached.ValidatedAt)
	if age < 0 || age > opt.MaxStale {
		return nil, fmt.Errorf("remote: %w: %s: %v; the cached copy was last validated %s ago, more than the %s allowed (--passport-max-stale)", ErrUnavailable, name, err, round(age), opt.MaxStale)
	}
	return cached.result(true, false, true), nil
}

func round(d time.Duration) time.Duration { return d.Round(time.Second) }

func (c *cacheEntry) result(fromCache, revalidated, stale bool) *Result {
	return &Result{
		Body:        c.Body,
		FromCache:   fromCache,
		Revalidated: revalidated,
		Stale:       stale,
		FetchedAt:   c.FetchedAt,
		ValidatedAt: c.ValidatedAt,
		ETag:        c.ETag,
	}
}

// unavailable is a failure to reach the registry: the one kind of failure
// under which a cached copy may still be served.
type unavailable struct{ err error }

func (e unavailable) Error() string { return e.err.Error() }
func (e unavailable) Unwrap() error { return e.err }

// fetch makes the request. It returns the status and, for 200, the new
// entry. An unavailable error means the registry could not be reached or
// answered something a stale cache may stand in for (429, 5xx, a body that is
// not JSON); other errors (an oversize passport) are final; any other answer
// is a status for the caller to judge.
func fetch(opt Options, u *url.URL, cached *cacheEntry) (*cacheEntry, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "aport")
	if cached != nil && cached.ETag != "" {
		req.Header.Set("If-None-Match", cached.ETag)
	}
	resp, err := client(opt).Do(req)
	if err != nil {
		return nil, 0, unavailable{err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, 0, unavailable{fmt.Errorf("answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))}
	case resp.StatusCode == http.StatusNotModified:
		if req.Header.Get("If-None-Match") == "" {
			return nil, 0, fmt.Errorf("remote: %s answered 304 Not Modified to a request that was not conditional", u.Redacted())
		}
		return nil, resp.StatusCode, nil
	case resp.StatusCode != http.StatusOK:
		return nil, resp.StatusCode, nil
	}
	if resp.ContentLength > MaxBody {
		return nil, http.StatusOK, fmt.Errorf("remote: passport at %s is %d bytes, more than the %d allowed", u.Redacted(), resp.ContentLength, MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, 0, unavailable{fmt.Errorf("reading the body: %w", err)}
	}
	if len(body) > MaxBody {
		return nil, http.StatusOK, fmt.Errorf("remote: passport at %s is more than the %d bytes allowed", u.Redacted(), MaxBody)
	}
	if !json.Valid(body) {
		return nil, 0, unavailable{errors.New("answered 200 with a body that is not JSON")}
	}
	return &cacheEntry{ETag: resp.Header.Get("ETag"), Body: body}, http.StatusOK, nil
}

func client(opt Options) *http.Client {
	var c http.Client
	if opt.Client != nil {
		c = *opt.Client
	} else {
		c.Transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: opt.Timeout}).DialContext,
			TLSHandshakeTimeout:   opt.Timeout,
			ResponseHeaderTimeout: opt.Timeout,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          1,
		}
	}
	if c.Timeout == 0 || c.Timeout > opt.Timeout {
		c.Timeout = opt.Timeout
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("more than 3 redirects")
		}
		if _, err := CheckURL(req.URL.String()); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}

// CheckURL accepts https:// URLs, and http:// only for loopback hosts
// (127.0.0.0/8, ::1, localhost).
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("remote: passport URL %q: %w", raw, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("remote: passport URL %s has no host", u.Redacted())
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u, nil
	case "http":
		if isLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("remote: passport URL %s uses http:// for a host that is not loopback; use https://", u.Redacted())
	}
	return nil, fmt.Errorf("remote: passport URL %s: scheme %q not supported; use https://", u.Redacted(), u.Scheme)
}

// isLoopback reports whether a URL host (no port) is a loopback literal.
// Names other than localhost are not resolved: a name that points at
// 127.0.0.1 still needs https.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && (ip.To4() != nil || ip.Equal(net.IPv6loopback))
}

// CachePath is the cache file of a URL under dir: a hash of the URL, so that
// no part of the URL (a token in the query, a password) names a file.
func CachePath(dir, rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return filepath.Join(dir, "passport-"+hex.EncodeToString(sum[:16])+".json")
}

// readCache returns the cached entry for name, or nil when there is none or
// it cannot be used (unreadable, another URL, empty): the registry is then
// asked, and without it Load fails.
func readCache(path, name string) *cacheEntry {
	f, err := fsx.OpenRegular(path, os.O_RDONLY, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4*MaxBody))
	if err != nil {
		return nil
	}
	var c cacheEntry
	if err := json.Unmarshal(b, &c); err != nil || c.URL != name || len(c.Body) == 0 || c.ValidatedAt.IsZero() {
		return nil
	}
	return &c
}

func writeCache(dir, path string, c *cacheEntry) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("remote: creating the cache directory: %w", err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("remote: encoding the cache: %w", err)
	}
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return fmt.Errorf("remote: writing the cache: %w", err)
	}
	return nil
}
