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
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
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

// Request body limits.
const (
	// maxBody is the largest AWS API (JSON or Query) request body the server reads.
	maxBody = 2 << 20
	// maxPreAuthBody is the largest body the server reads from a request before it
	// knows the caller: a request signed with an unknown access key, or a registry
	// request without valid credentials. A larger Content-Length is refused unread.
	maxPreAuthBody = 16 << 10
	// defaultMaxUpload is the default limit of one blob upload (see WithMaxUploadSize).
	defaultMaxUpload = 512 << 20
)

// Option configures a [Server] at construction.
type Option func(*options)

type options struct {
	addr      string
	pageSize  int
	now       func() time.Time
	maxUpload int64
	timeouts  Timeouts
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

// WithClock sets the clock used for timestamps, token expiry (ECR tokens, gallery
// tokens, presigned storage URLs) and the gallery rate limit. The default is time.Now.
// Network timeouts and the SigV4 signing-time check use the real clock.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithMaxUploadSize sets the largest blob one registry upload may hold; a larger upload
// is refused with 413 SIZE_INVALID and discarded. The default is 512 MiB; benchmarks
// may raise it. Values below 1 are ignored. Uploads are streamed to a temporary file,
// never held in memory.
func WithMaxUploadSize(n int64) Option {
	return func(o *options) {
		if n >= 1 {
			o.maxUpload = n
		}
	}
}

// Timeouts are the network timeouts of a [Server]. A zero field keeps its default.
type Timeouts struct {
	// ReadHeader is how long a client may take to send a request's headers (the
	// http.Server's ReadHeaderTimeout). The default is 10 seconds.
	ReadHeader time.Duration
	// Body is how long the server waits for the next bytes of a request body; when it
	// passes, the connection is closed. The default is 30 seconds.
	Body time.Duration
	// Idle is how long a keep-alive connection may wait for its next request. The
	// default is 2 minutes.
	Idle time.Duration
}

// WithTimeouts sets the network timeouts of the server (see [Timeouts]).
func WithTimeouts(t Timeouts) Option {
	return func(o *options) {
		if t.ReadHeader > 0 {
			o.timeouts.ReadHeader = t.ReadHeader
		}
		if t.Body > 0 {
			o.timeouts.Body = t.Body
		}
		if t.Idle > 0 {
			o.timeouts.Idle = t.Idle
		}
	}
}

// Server is a local AWS endpoint for SSM, ECR, ECS, IAM and STS. Create it with [NewServer]
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
	iam         map[string]*iamAccount
	faults      faultState
	counts      map[countKey]int
	connections int
	refusals    []string // the last maxRefusals, oldest first
	ops         []Operation
	opSeen      map[Operation]bool

	// The store behind the ECR operations and the registry API (store.go).
	registries     map[string]*registryState // by canonical registry host
	blobs          map[string]*blobData      // blob contents by digest
	envoyRepos     []repoRef                 // the seeded Envoy repositories
	envoyManifest  []byte                    // see Manifest
	envoyMediaType string
	pushes         int

	// Registry credentials and uploads (auth.go, upload.go).
	key           [32]byte                         // signs gallery tokens and storage URLs
	grants        map[string]map[string]tokenGrant // password → region → grant
	uploads       map[string]*upload
	blobDir       string // created at the first upload, removed by Close
	galleryLimit  int
	galleryWindow int64
	galleryCount  int

	ecs           ecsState              // ECS clusters, services and task definitions (ecs.go)
	publicGrants  map[string]tokenGrant // ECR Public passwords (ecrpublic.go)
	galleryLogins int

	// Pull-through cache rules by registry host, then prefix (pullthrough.go).
	cacheRules map[string]map[string]*cacheRule
}

type identity struct {
	secret  string
	account string
	user    string
	arn     string // the principal ARN of an assumed role's session; "" for IAM users
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
	o := options{addr: "127.0.0.1:0", pageSize: 2, now: time.Now, maxUpload: defaultMaxUpload,
		timeouts: Timeouts{ReadHeader: 10 * time.Second, Body: 30 * time.Second, Idle: 2 * time.Minute}}
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
		opSeen: map[Operation]bool{},
	}
	_, _ = rand.Read(s.key[:])
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
		ReadHeaderTimeout: s.opts.timeouts.ReadHeader,
		IdleTimeout:       s.opts.timeouts.Idle,
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
// every connection, waits for all of its goroutines to end and removes its temporary
// files (uploaded blobs). Close is idempotent.
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
		s.mu.Lock()
		defer s.mu.Unlock()
		for id, u := range s.uploads {
			_ = u.file.Close()
			delete(s.uploads, id)
		}
		if s.blobDir != "" {
			_ = os.RemoveAll(s.blobDir)
		}
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
// "ssm:GetParameter", or a registry request's IAM action such as "ecr:BatchGetImage")
// in region. "*" or "" matches any operation or region, and "ssm:*" any operation of
// one service. Every authenticated request whose operation was recognized is counted,
// including those answered with an error or a fault. An AWS API request refused by
// authentication (unknown key, bad signature, signing time off) is counted only when
// its region is one the server knows (region.All, or one a test set up), so that
// unauthenticated clients cannot grow the counters; registry requests without valid
// credentials are not counted.
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

// ResetCounts sets every request counter and the connection counter to zero, and
// empties the operation log ([Server.Operations]).
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[countKey]int{}
	s.connections = 0
	s.ops, s.opSeen = nil, map[Operation]bool{}
}

// countLocked counts one request for op in region; see [Server.Requests].
func (s *Server) countLocked(op, regionCode string, authenticated bool) {
	if authenticated || s.knownRegionLocked(regionCode) {
		s.counts[countKey{op, regionCode}]++
	}
}

// knownRegionLocked reports whether regionCode is a supported region or one the state
// names (a test's SetParameter or SetRegionEnabled).
func (s *Server) knownRegionLocked(regionCode string) bool {
	if _, ok := s.regions[regionCode]; ok {
		return true
	}
	_, err := region.Lookup(regionCode)
	return err == nil && regionCode != ""
}

// Refusals returns the messages of the requests the server refused because it does not
// implement what they asked for (unknown operation, Content-Type or protocol, an
// unknown registry host, a storage request that carries credentials, ...), oldest
// first. Only the last 100 are kept, each cut to 200 bytes.
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
		"ssm":        {name: "ssm", proto: protoJSON, target: "AmazonSSM", ops: ssmOps, unknownCode: "UnknownOperationException"},
		"ecr":        {name: "ecr", proto: protoJSON, target: "AmazonEC2ContainerRegistry_V20150921", ops: ecrOps, unknownCode: "UnknownOperationException"},
		"ecr-public": {name: "ecr-public", proto: protoJSON, target: "SpencerFrontendService", ops: ecrPublicOps, unknownCode: "UnknownOperationException"},
		"ecs":        {name: "ecs", proto: protoJSON, target: "AmazonEC2ContainerServiceV20141113", ops: ecsOps, unknownCode: "UnknownOperationException"},
		"iam":        {name: "iam", proto: protoQuery, version: "2010-05-08", xmlns: "https://iam.amazonaws.com/doc/2010-05-08/", ops: iamOps, unknownCode: "InvalidAction"},
		"sts":        {name: "sts", proto: protoQuery, version: "2011-06-15", xmlns: "https://sts.amazonaws.com/doc/2011-06-15/", ops: stsOps, unknownCode: "InvalidAction"},
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
	principal string // the caller's ARN when it is an assumed role's session
	requestID string
	body      []byte     // JSON input
	form      url.Values // Query input
	resources []string   // the resources the handler authorized the call on (Operations)
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

	if r.ContentLength != 0 {
		// Bound the wait for a body, read or not: net/http drains a small unread body
		// after the handler, and a client that sent headers but no body must not hold
		// the connection for minutes. Reading a body extends the deadline as bytes
		// arrive and clears it at the end (see bodyReader).
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.timeouts.Body))
	}
	switch p := r.URL.Path; {
	case p == "/v2" || strings.HasPrefix(p, "/v2/"):
		s.serveRegistry(w, r)
	case p == "/token" || p == "/token/":
		s.serveToken(w, r)
	case strings.HasPrefix(p, storagePrefix):
		s.serveStorage(w, r)
	default:
		s.serveAPI(w, r)
	}
}

// serveAPI answers the AWS API protocols (JSON 1.1 and Query).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	reqID := s.newRequestID()
	// Guess the protocol from the request for errors raised before the service is known.
	guess := &service{name: "unknown", proto: protoQuery, xmlns: "https://iam.amazonaws.com/doc/2010-05-08/"}
	if r.Header.Get("X-Amz-Target") != "" || strings.Contains(r.Header.Get("Content-Type"), "json") {
		guess.proto = protoJSON
	}
	// Answers given before the body is read close the connection when the body is
	// over the pre-authentication limit (or of unknown length), so that it is never
	// read; net/http drains a smaller one, within the body timeout.
	unread := func() { closeUnlessTiny(w, r) }

	if r.Method != http.MethodPost {
		unread()
		s.refuse(w, guess, reqID, fmt.Sprintf("method %s %s: only POST is implemented", quoteClient(r.Method), quoteClient(r.URL.Path)))
		return
	}
	if q := r.URL.Query(); r.Header.Get("Authorization") == "" && (q.Has("X-Amz-Signature") || q.Has("X-Amz-Algorithm")) {
		unread()
		s.refuse(w, guess, reqID, "SigV4 in the query string (a presigned request): only the Authorization header is implemented")
		return
	}
	auth, aerr := parseAuthorization(r.Header.Get("Authorization"))
	if aerr != nil {
		unread()
		writeError(w, guess, reqID, aerr.forProto(guess.proto))
		return
	}
	svc, ok := services[auth.service]
	if !ok {
		unread()
		s.refuse(w, guess, reqID, fmt.Sprintf("service %s in the credential scope: only ssm, ecr, ecr-public, ecs, iam and sts are implemented", quoteClient(auth.service)))
		return
	}
	s.mu.Lock()
	id, known := s.creds[auth.accessKeyID]
	s.mu.Unlock()
	limit := int64(maxBody)
	if !known {
		limit = maxPreAuthBody
	}
	if r.ContentLength > limit {
		// The body is never read: the connection cannot be reused.
		unread()
		s.refuse(w, svc, reqID, fmt.Sprintf("request body of %d bytes is over the limit of %d bytes (%d before the caller is known)", r.ContentLength, maxBody, maxPreAuthBody))
		return
	}
	body, err := s.readBody(w, r, limit)
	switch {
	case errors.Is(err, errBodyTooLarge):
		w.Header().Set("Connection", "close")
		s.refuse(w, svc, reqID, fmt.Sprintf("request body over %d bytes", limit))
		return
	case err != nil:
		s.bodyFailed(w, err, func() { writeError(w, svc, reqID, errRequestTimeout.forProto(svc.proto)) })
		return
	}

	c := &call{ctx: r.Context(), svc: svc, region: auth.region, requestID: reqID}
	if msg := s.parseOperation(r, svc, body, c); msg != "" {
		s.refuse(w, svc, reqID, msg)
		return
	}
	if r.Header.Get("X-Amz-Content-Sha256") == unsignedPayload {
		s.refuse(w, svc, reqID, "X-Amz-Content-Sha256 UNSIGNED-PAYLOAD: this server requires the payload hash to be signed for the services it serves")
		return
	}
	h := svc.ops[c.op]
	opName := svc.name + ":" + c.op

	// Authentication. The real clock, not the one of WithClock, for the signing time:
	// the SDK corrects its signing time by the Date header net/http sets from the real
	// clock.
	var authErr *AWSError
	switch {
	case !known:
		e := errUnknownKey.forProto(svc.proto)
		authErr = &e
	case !signsRequiredHeaders(auth):
		e := errUnsignedHeaders.forProto(svc.proto)
		authErr = &e
	case !verifySignature(r, auth, body, id.secret):
		e := errBadSignature.forProto(svc.proto)
		authErr = &e
	default:
		authErr = checkSigningTime(r.Header.Get("X-Amz-Date"), time.Now(), svc.proto)
	}

	s.mu.Lock()
	s.countLocked(opName, c.region, authErr == nil)
	enabled := true
	if rs := s.regions[c.region]; rs != nil {
		enabled = !rs.disabled
	}
	s.mu.Unlock()

	if authErr != nil {
		writeError(w, svc, reqID, *authErr)
		return
	}
	if !enabled {
		writeError(w, svc, reqID, errUnknownKey.forProto(svc.proto))
		return
	}
	c.account, c.user, c.principal = id.account, id.user, id.arn

	if f := s.applyFaults(r.Context(), opName, c.region); f != nil {
		if f.stalled {
			// Never answer: drop the connection, as a network failure would.
			panic(http.ErrAbortHandler)
		}
		writeError(w, svc, reqID, f.err)
		return
	}

	out, apiErr := h(s, c)
	s.recordCall(c, opName)
	if apiErr != nil {
		writeError(w, svc, reqID, *apiErr)
		return
	}
	writeResult(w, svc, c, out)
}

// closeUnlessTiny makes the connection close after the answer when r announced a body
// over maxPreAuthBody or of unknown length, which the handler will not read.
func closeUnlessTiny(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > maxPreAuthBody || r.ContentLength < 0 {
		w.Header().Set("Connection", "close")
	}
}

// errBodyTooLarge is returned by readBody for a body over its limit.
var errBodyTooLarge = errors.New("request body too large")

// errRequestTimeout answers a request whose body stopped arriving.
var errRequestTimeout = protoError{
	json:  AWSError{Code: "RequestTimeoutException", Status: http.StatusRequestTimeout, Message: "Your socket connection to the server was not read from or written to within the timeout period."},
	query: AWSError{Code: "RequestTimeout", Status: http.StatusRequestTimeout, Message: "Your socket connection to the server was not read from or written to within the timeout period."},
}

// bodyReader reads a request body, moving the connection's read deadline forward by the
// body timeout before each read, and clearing it at the end of the body so that
// net/http's background read (which notices a client going away) is not cut short.
type bodyReader struct {
	r       io.Reader
	rc      *http.ResponseController
	timeout time.Duration
}

func (b *bodyReader) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	n, err := b.r.Read(p)
	if err == io.EOF {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// body returns r's body wrapped in a [bodyReader].
func (s *Server) body(w http.ResponseWriter, r *http.Request) io.Reader {
	return &bodyReader{r: r.Body, rc: http.NewResponseController(w), timeout: s.opts.timeouts.Body}
}

// readBody reads the whole body of r, at most limit bytes, or returns errBodyTooLarge.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(s.body(w, r), limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errBodyTooLarge
	}
	return body, nil
}

// bodyFailed handles an error reading a request body: a timeout is answered with
// answer (the connection is closed after it), anything else means the client went
// away.
func (s *Server) bodyFailed(w http.ResponseWriter, err error, answer func()) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		w.Header().Set("Connection", "close")
		answer()
	}
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
			return fmt.Sprintf("%s request with Content-Type %s (Smithy-Protocol %s): only the awsJson1_1 protocol (application/x-amz-json-1.1) is implemented",
				svc.name, quoteClient(ct), quoteClient(r.Header.Get("Smithy-Protocol")))
		}
		target := r.Header.Get("X-Amz-Target")
		prefix, op, ok := strings.Cut(target, ".")
		if !ok || prefix != svc.target {
			return fmt.Sprintf("%s request with X-Amz-Target %s: want %s.<Operation>", svc.name, quoteClient(target), svc.target)
		}
		if _, ok := svc.ops[op]; !ok {
			return fmt.Sprintf("unknown operation %s:%s: not implemented by this server", svc.name, clip(op, 64))
		}
		c.op, c.body = op, body
	case protoQuery:
		if mt != "application/x-www-form-urlencoded" {
			return fmt.Sprintf("%s request with Content-Type %s: only the awsQuery protocol (application/x-www-form-urlencoded) is implemented", svc.name, quoteClient(ct))
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return fmt.Sprintf("%s request body is not a valid form: %v", svc.name, err)
		}
		op := form.Get("Action")
		if _, ok := svc.ops[op]; !ok {
			return fmt.Sprintf("unknown operation %s:%s: not implemented by this server", svc.name, clip(op, 64))
		}
		if v := form.Get("Version"); v != svc.version {
			return fmt.Sprintf("%s:%s with Version %s: only API version %s is implemented", svc.name, op, quoteClient(v), svc.version)
		}
		c.op, c.form = op, form
	}
	return ""
}

// Bounds of the refusal log.
const (
	maxRefusals      = 100
	maxRefusalLength = 200
)

// refuse answers a request the server does not implement with HTTP 400 and records it.
func (s *Server) refuse(w http.ResponseWriter, svc *service, reqID, msg string) {
	msg = s.logRefusal(msg)
	code := "UnknownOperationException"
	if svc.proto == protoQuery {
		code = "InvalidAction"
	}
	writeError(w, svc, reqID, AWSError{Code: code, Status: http.StatusBadRequest, Message: msg})
}

// logRefusal records msg, prefixed and cut to maxRefusalLength bytes, in the bounded
// refusal log and returns it.
func (s *Server) logRefusal(msg string) string {
	msg = clip("appmeshenvoytest refused the request: "+msg, maxRefusalLength)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refusals) >= maxRefusals {
		s.refusals = append(s.refusals[:0], s.refusals[len(s.refusals)-maxRefusals+1:]...)
	}
	s.refusals = append(s.refusals, msg)
	return msg
}

// clip cuts s to at most n bytes, at a UTF-8 boundary, marking the cut with "...".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - 3
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// quoteClient quotes text that came from a client, cut to 64 bytes, for a message.
func quoteClient(s string) string { return strconv.Quote(clip(s, 64)) }

func (s *Server) newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Server) now() time.Time { return s.opts.now().UTC().Truncate(time.Second) }
