package appmeshenvoytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Test credentials the server accepts from the start. They are not secret: they only
// work against a [Server].
const (
	// AccessKeyID is the access key ID of the default test identity.
	AccessKeyID = "AKIDAPPMESHENVOYTEST"
	// SecretAccessKey is the secret access key of the default test identity.
	SecretAccessKey = "appmeshenvoytest/SecretAccessKey/not-a-real-secret"
	// AccountID is the account the default test identity belongs to.
	AccountID = "123456789012"
	// UserName is the IAM user name of the default test identity, as reported by STS
	// GetCallerIdentity.
	UserName = "appmeshenvoytest"
)

// maxBody is the largest request body the server reads.
const maxBody = 2 << 20

// Option configures a [Server] at construction.
type Option func(*options)

type options struct {
	addr     string
	pageSize int
	now      func() time.Time
}

// WithAddr makes the server listen on addr (such as "127.0.0.1:4566") instead of a
// random port on 127.0.0.1.
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithPageSize sets the default page size of IAM list operations when the request
// gives no MaxItems. The default is 2, small on purpose so that pagination is exercised.
// Values below 1 are ignored.
func WithPageSize(n int) Option {
	return func(o *options) {
		if n >= 1 {
			o.pageSize = n
		}
	}
}

// WithClock sets the clock used for timestamps and token expiry. The default is
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// Server is a local AWS endpoint for SSM, ECR, IAM and STS. Create it with [NewServer]
// (or [NewUnstartedServer] and [Server.Start]) and stop it with [Server.Close].
//
// All methods are safe for concurrent use, including while requests are served.
type Server struct {
	// URL is the base URL of the server, such as "http://127.0.0.1:38123", set by
	// [Server.Start]. Use it as aws.Config.BaseEndpoint or the AWS CLI's --endpoint-url.
	URL string

	opts     options
	listener net.Listener
	srv      *http.Server
	handlers sync.WaitGroup
	closing  chan struct{}
	closed   sync.Once

	mu          sync.Mutex
	isClosed    bool
	creds       map[string]identity
	regions     map[string]*regionState
	password    string
	tokenTTL    time.Duration
	manifest    []byte
	manifestMT  string
	tags        map[string]bool
	iam         map[string]*iamAccount
	faults      faultState
	counts      map[countKey]int
	connections int
	refusals    []string
}

type identity struct {
	secret  string
	account string
	user    string
}

type countKey struct{ op, region string }

// NewServer starts and returns a new [Server] listening on 127.0.0.1 (see [WithAddr]).
// It panics if it cannot listen, like httptest.NewServer; use [NewUnstartedServer] and
// [Server.Start] to get the error instead. The caller must call [Server.Close].
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	if err := s.Start(); err != nil {
		panic(err)
	}
	return s
}

// NewUnstartedServer returns a new [Server] with its default state but does not start
// it. Call [Server.Start] to serve.
func NewUnstartedServer(opts ...Option) *Server {
	o := options{addr: "127.0.0.1:0", pageSize: 2, now: time.Now}
	for _, fn := range opts {
		fn(&o)
	}
	s := &Server{
		opts:    o,
		closing: make(chan struct{}),
		creds: map[string]identity{
			AccessKeyID: {secret: SecretAccessKey, account: AccountID, user: UserName},
		},
		counts: map[countKey]int{},
	}
	s.seed()
	return s
}

// Start starts serving on the configured address and sets [Server.URL]. It returns an
// error if the address cannot be listened on or the server was already started.
//
// Start after [Server.Close] is an error: a closed server cannot serve again.
func (s *Server) Start() error {
	// s.mu orders Start against Close: Close reads s.srv and waits for the serving
	// goroutine only after it has marked the server closed under s.mu.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed {
		return errors.New("appmeshenvoytest: server closed")
	}
	if s.listener != nil {
		return errors.New("appmeshenvoytest: server already started")
	}
	ln, err := net.Listen("tcp", s.opts.addr)
	if err != nil {
		return fmt.Errorf("appmeshenvoytest: listen on %s: %w", s.opts.addr, err)
	}
	s.listener = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 30 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.mu.Lock()
				s.connections++
				s.mu.Unlock()
			}
		},
	}
	s.handlers.Add(1)
	go func() {
		defer s.handlers.Done()
		_ = s.srv.Serve(ln)
	}()
	return nil
}

// Close stops the server: it ends stalled and delayed requests, closes the listener and
// every connection, and waits for all of its goroutines to end. Close is idempotent.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.mu.Lock()
		s.isClosed = true
		srv := s.srv
		s.mu.Unlock()
		close(s.closing)
		if srv != nil {
			_ = srv.Close()
		}
		s.handlers.Wait()
	})
}

// Config returns an aws.Config for the real SDK clients that sends every service to
// this server: Region is region, Credentials are the default test identity
// ([AccessKeyID], [SecretAccessKey]) and BaseEndpoint is [Server.URL]. Everything else,
// retry settings included, keeps the SDK's defaults.
func (s *Server) Config(region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")),
		BaseEndpoint: aws.String(s.URL),
	}
}

// AddCredentials makes the server accept requests signed with accessKeyID and secret,
// as an identity of account. STS GetCallerIdentity reports it as the IAM user named
// after the key in lower case.
func (s *Server) AddCredentials(accessKeyID, secret, account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds[accessKeyID] = identity{secret: secret, account: account, user: strings.ToLower(accessKeyID)}
}

// Connections returns the number of TCP connections the server has accepted since it
// started.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Requests returns the number of requests received for operation op (such as
// "ssm:GetParameter") in region. "*" or "" matches any operation or region, and
// "ssm:*" any operation of one service. Every request whose operation and region were
// recognized is counted, including those answered with an error or a fault.
func (s *Server) Requests(op, region string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.counts {
		if matchOp(op, k.op) && matchRegion(region, k.region) {
			n += c
		}
	}
	return n
}

// ResetCounts sets every request counter and the connection counter to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[countKey]int{}
	s.connections = 0
}

// Refusals returns the messages of the requests the server refused because it does not
// implement what they asked for (unknown operation, Content-Type or protocol), oldest
// first.
func (s *Server) Refusals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refusals...)
}

// protocol is the wire protocol of a service.
type protocol int

const (
	protoJSON protocol = iota + 1
	protoQuery
)

// service describes one emulated AWS service.
type service struct {
	name        string // signing name and operation prefix, such as "ssm"
	proto       protocol
	target      string // JSON: X-Amz-Target prefix
	version     string // Query: API version
	xmlns       string // Query: response namespace
	ops         map[string]handlerFunc
	unknownCode string
}

var services map[string]*service

func init() {
	services = map[string]*service{
		"ssm": {name: "ssm", proto: protoJSON, target: "AmazonSSM", ops: ssmOps, unknownCode: "UnknownOperationException"},
		"ecr": {name: "ecr", proto: protoJSON, target: "AmazonEC2ContainerRegistry_V20150921", ops: ecrOps, unknownCode: "UnknownOperationException"},
		"iam": {name: "iam", proto: protoQuery, version: "2010-05-08", xmlns: "https://iam.amazonaws.com/doc/2010-05-08/", ops: iamOps, unknownCode: "InvalidAction"},
		"sts": {name: "sts", proto: protoQuery, version: "2011-06-15", xmlns: "https://sts.amazonaws.com/doc/2011-06-15/", ops: stsOps, unknownCode: "InvalidAction"},
	}
}

// call is one request being served.
type call struct {
	ctx       context.Context
	svc       *service
	op        string // such as "GetParameter"
	region    string
	account   string
	user      string
	requestID string
	body      []byte     // JSON input
	form      url.Values // Query input
}

// handlerFunc answers one operation; the result is JSON-encoded (JSON protocol) or
// XML-encoded inside <OpResult> (Query protocol).
type handlerFunc func(s *Server, c *call) (any, *AWSError)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.isClosed {
		s.mu.Unlock()
		http.Error(w, "appmeshenvoytest: server closing", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1) // under s.mu, so never after Close has started waiting
	s.mu.Unlock()
	defer s.handlers.Done()

	reqID := s.newRequestID()
	// Read the whole body before any answer, error answers included, so that the
	// connection stays usable for the client's next request (keep-alive).
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // the client went away
	}
	tooLarge := len(body) > maxBody
	// Guess the protocol from the request for errors raised before the service is known.
	guess := &service{name: "unknown", proto: protoQuery, xmlns: "https://iam.amazonaws.com/doc/2010-05-08/"}
	if r.Header.Get("X-Amz-Target") != "" || strings.Contains(r.Header.Get("Content-Type"), "json") {
		guess.proto = protoJSON
	}

	if r.Method != http.MethodPost {
		s.refuse(w, guess, reqID, fmt.Sprintf("method %s %s: only POST is implemented", r.Method, r.URL.Path))
		return
	}
	if q := r.URL.Query(); r.Header.Get("Authorization") == "" && (q.Has("X-Amz-Signature") || q.Has("X-Amz-Algorithm")) {
		s.refuse(w, guess, reqID, "SigV4 in the query string (a presigned request): only the Authorization header is implemented")
		return
	}
	auth, aerr := parseAuthorization(r.Header.Get("Authorization"))
	if aerr != nil {
		writeError(w, guess, reqID, aerr.forProto(guess.proto))
		return
	}
	svc, ok := services[auth.service]
	if !ok {
		s.refuse(w, guess, reqID, fmt.Sprintf("service %q in the credential scope: only ssm, ecr, iam and sts are implemented", auth.service))
		return
	}
	if tooLarge {
		// The rest of the body is unread: the connection cannot be reused.
		w.Header().Set("Connection", "close")
		s.refuse(w, svc, reqID, fmt.Sprintf("request body over %d bytes", maxBody))
		return
	}

	c := &call{ctx: r.Context(), svc: svc, region: auth.region, requestID: reqID}
	if msg := s.parseOperation(r, svc, body, c); msg != "" {
		s.refuse(w, svc, reqID, msg)
		return
	}
	h := svc.ops[c.op]
	opName := svc.name + ":" + c.op

	s.mu.Lock()
	s.counts[countKey{opName, c.region}]++
	id, known := s.creds[auth.accessKeyID]
	enabled := true
	if rs := s.regions[c.region]; rs != nil {
		enabled = !rs.disabled
	}
	s.mu.Unlock()

	if !known {
		writeError(w, svc, reqID, errUnknownKey.forProto(svc.proto))
		return
	}
	if !verifySignature(r, auth, body, id.secret) {
		writeError(w, svc, reqID, errBadSignature.forProto(svc.proto))
		return
	}
	// The real clock, not the one of WithClock: the SDK corrects its signing time by the
	// Date header net/http sets from the real clock.
	if e := checkSigningTime(r.Header.Get("X-Amz-Date"), time.Now(), svc.proto); e != nil {
		writeError(w, svc, reqID, *e)
		return
	}
	if !enabled {
		writeError(w, svc, reqID, errUnknownKey.forProto(svc.proto))
		return
	}
	c.account, c.user = id.account, id.user

	if f := s.applyFaults(r.Context(), opName, c.region); f != nil {
		if f.stalled {
			// Never answer: drop the connection, as a network failure would.
			panic(http.ErrAbortHandler)
		}
		writeError(w, svc, reqID, f.err)
		return
	}

	out, apiErr := h(s, c)
	if apiErr != nil {
		writeError(w, svc, reqID, *apiErr)
		return
	}
	writeResult(w, svc, c, out)
}

// parseOperation checks the protocol of r and fills c.op and the input. It returns a
// refusal message, or "" when the request is one the server implements.
func (s *Server) parseOperation(r *http.Request, svc *service, body []byte, c *call) string {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = ct
	}
	switch svc.proto {
	case protoJSON:
		if mt != "application/x-amz-json-1.1" {
			return fmt.Sprintf("%s request with Content-Type %q (Smithy-Protocol %q): only the awsJson1_1 protocol (application/x-amz-json-1.1) is implemented",
				svc.name, ct, r.Header.Get("Smithy-Protocol"))
		}
		target := r.Header.Get("X-Amz-Target")
		prefix, op, ok := strings.Cut(target, ".")
		if !ok || prefix != svc.target {
			return fmt.Sprintf("%s request with X-Amz-Target %q: want %s.<Operation>", svc.name, target, svc.target)
		}
		if _, ok := svc.ops[op]; !ok {
			return fmt.Sprintf("unknown operation %s:%s (X-Amz-Target %q): not implemented by this server", svc.name, op, target)
		}
		c.op, c.body = op, body
	case protoQuery:
		if mt != "application/x-www-form-urlencoded" {
			return fmt.Sprintf("%s request with Content-Type %q: only the awsQuery protocol (application/x-www-form-urlencoded) is implemented", svc.name, ct)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return fmt.Sprintf("%s request body is not a valid form: %v", svc.name, err)
		}
		op := form.Get("Action")
		if _, ok := svc.ops[op]; !ok {
			return fmt.Sprintf("unknown operation %s:%s (Action %q): not implemented by this server", svc.name, op, op)
		}
		if v := form.Get("Version"); v != svc.version {
			return fmt.Sprintf("%s:%s with Version %q: only API version %s is implemented", svc.name, op, v, svc.version)
		}
		c.op, c.form = op, form
	}
	return ""
}

// refuse answers a request the server does not implement with HTTP 400 and records it.
func (s *Server) refuse(w http.ResponseWriter, svc *service, reqID, msg string) {
	msg = "appmeshenvoytest refused the request: " + msg
	s.mu.Lock()
	s.refusals = append(s.refusals, msg)
	s.mu.Unlock()
	code := "UnknownOperationException"
	if svc.proto == protoQuery {
		code = "InvalidAction"
	}
	writeError(w, svc, reqID, AWSError{Code: code, Status: http.StatusBadRequest, Message: msg})
}

func (s *Server) newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Server) now() time.Time { return s.opts.now().UTC().Truncate(time.Second) }
