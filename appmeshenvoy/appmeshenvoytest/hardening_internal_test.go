package appmeshenvoytest

import (
	"bufio"
	"encoding/base64"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// randomLabel returns n random lower-case letters.
func randomLabel(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rng.Intn(26))
	}
	return string(b)
}

// TestUnauthenticatedRequestsLeaveNoState sends 2,000 requests without valid
// credentials, with random region strings, registry hosts and long paths, and checks
// that the server's maps did not grow and the refusal log stayed bounded.
func TestUnauthenticatedRequestsLeaveNoState(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.mu.Lock()
	regions, registries := len(s.regions), len(s.registries)
	s.mu.Unlock()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	rng := rand.New(rand.NewSource(1))
	date := time.Now().UTC().Format(amzDateFormat)

	for i := range 2000 {
		reg := randomLabel(rng, 2) + "-" + randomLabel(rng, 8) + "-" + strconv.Itoa(1+rng.Intn(9))
		var req *http.Request
		switch i % 6 {
		case 0, 1, 2: // unknown key; known key with a bad signature; an unknown service
			key, svc := "AKIDUNKNOWN"+randomLabel(rng, 6), "ssm"
			if i%6 == 1 {
				key = AccessKeyID
			}
			if i%6 == 2 {
				svc = randomLabel(rng, 40)
			}
			req, _ = http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(`{"Name":"`+randomLabel(rng, 300)+`"}`))
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/"+date[:8]+"/"+reg+"/"+svc+"/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
			req.Header.Set("X-Amz-Date", date)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "AmazonSSM."+randomLabel(rng, 1+rng.Intn(200)))
		case 3: // a registry host of a random region, no credentials
			req, _ = http.NewRequest(http.MethodGet, s.URL+"/v2/"+strconv.Itoa(100000000000+rng.Intn(899999999999))+".dkr.ecr."+reg+".amazonaws.com/x/manifests/latest", nil)
		case 4: // a long unknown registry path
			req, _ = http.NewRequest(http.MethodGet, s.URL+"/v2/"+randomLabel(rng, 500)+"/"+randomLabel(rng, 10), nil)
		case 5: // the token endpoint and the storage path
			req, _ = http.NewRequest(http.MethodGet, s.URL+"/token/", nil)
			if rng.Intn(2) == 0 {
				req, _ = http.NewRequest(http.MethodGet, s.URL+storagePrefix+randomLabel(rng, 300)+"/sha256/00?X-Amz-Signature="+randomLabel(rng, 64), nil)
			}
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && i%6 != 5 {
			t.Fatalf("request %d answered 200", i)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.counts) != 0 {
		t.Errorf("counters for %d (operation, region) keys, want none: %v", len(s.counts), s.counts)
	}
	if len(s.refusals) > maxRefusals {
		t.Errorf("%d refusals kept", len(s.refusals))
	}
	for _, r := range s.refusals {
		if len(r) > maxRefusalLength {
			t.Errorf("a refusal of %d bytes", len(r))
		}
	}
	if len(s.regions) != regions || len(s.registries) != registries || len(s.grants) != 0 || len(s.uploads) != 0 || len(s.ops) != 0 {
		t.Errorf("state grew: regions %d→%d, registries %d→%d, grants %d, uploads %d, operations %d",
			regions, len(s.regions), registries, len(s.registries), len(s.grants), len(s.uploads), len(s.ops))
	}
}

// TestBadCredentialsCountedInKnownRegions: requests refused by authentication are still
// counted in the regions the server knows (a test may count a client's attempts).
func TestBadCredentialsCountedInKnownRegions(t *testing.T) {
	s := NewServer()
	defer s.Close()
	date := time.Now().UTC().Format(amzDateFormat)
	for range 10 {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/"+date[:8]+"/us-west-2/ssm/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
		req.Header.Set("X-Amz-Date", date)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := s.Requests("ssm:GetParameter", "us-west-2"); got != 10 {
		t.Errorf("requests = %d, want 10", got)
	}
}

// dialRaw opens a TCP connection to s and writes head.
func dialRaw(t *testing.T, s *Server, head string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return conn
}

// closedWithin reads from conn until the server closes it and returns what it sent and
// how long it took; it fails the test if that takes longer than limit.
func closedWithin(t *testing.T, conn net.Conn, limit time.Duration) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the server did not close the connection within %v: %v (got %q)", limit, err, b)
	}
	return string(b), time.Since(start)
}

// TestSlowClientsAreCut: a client that sends part of its headers, or its headers and no
// body, loses its connection within the timeouts; a body over the limit before
// authentication is refused at once, unread.
func TestSlowClientsAreCut(t *testing.T) {
	s := NewServer(WithTimeouts(Timeouts{ReadHeader: 200 * time.Millisecond, Body: 300 * time.Millisecond}))
	defer s.Close()
	date := time.Now().UTC().Format(amzDateFormat)
	apiHead := func(key string, length int) string {
		return "POST / HTTP/1.1\r\nHost: " + strings.TrimPrefix(s.URL, "http://") + "\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=" + key + "/" + date[:8] + "/us-west-2/ssm/aws4_request, SignedHeaders=host;x-amz-date, Signature=00\r\n" +
			"X-Amz-Date: " + date + "\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.GetParameter\r\n" +
			"Content-Length: " + strconv.Itoa(length) + "\r\n\r\n"
	}

	t.Run("headers", func(t *testing.T) {
		conn := dialRaw(t, s, "POST / HTTP/1.1\r\nHost: x\r\n")
		closedWithin(t, conn, 3*time.Second)
	})
	t.Run("AWS API body", func(t *testing.T) {
		conn := dialRaw(t, s, apiHead(AccessKeyID, 100))
		got, _ := closedWithin(t, conn, 3*time.Second)
		if !strings.HasPrefix(got, "HTTP/1.1 408") {
			t.Errorf("answer %q", got)
		}
	})
	t.Run("registry upload body", func(t *testing.T) {
		s.mu.Lock()
		s.grantLocked("pw", "us-west-2", AccountID, UserName, s.now().Add(time.Hour))
		s.mu.Unlock()
		if err := s.CreateRepository(AccountID+".dkr.ecr.us-west-2.amazonaws.com/slow", RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
		auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("AWS:pw"))
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/v2/"+AccountID+".dkr.ecr.us-west-2.amazonaws.com/slow/blobs/uploads/", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		conn := dialRaw(t, s, "PATCH "+loc+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+auth+"\r\nContent-Length: 1000\r\n\r\n0123456789")
		got, _ := closedWithin(t, conn, 3*time.Second)
		if !strings.HasPrefix(got, "HTTP/1.1 408") {
			t.Errorf("answer %q", got)
		}
	})
	t.Run("unread body", func(t *testing.T) {
		// Answered at once (401), then the connection is closed when the announced
		// body does not come.
		conn := dialRaw(t, s, "GET /v2/"+AccountID+".dkr.ecr.us-west-2.amazonaws.com/slow/tags/list HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%v %v", resp, err)
		}
		closedWithin(t, conn, 3*time.Second)
	})

	slowBody := NewServer(WithTimeouts(Timeouts{Body: time.Minute}))
	defer slowBody.Close()
	for name, head := range map[string]string{
		"unknown key, 10 MiB": strings.Replace(apiHead("AKIDUNKNOWN", 10<<20), s.URL[7:], slowBody.URL[7:], 1),
		"registry, 100 MiB, no credentials": "PATCH /v2/" + AccountID + ".dkr.ecr.us-west-2.amazonaws.com/x/blobs/uploads/1 HTTP/1.1\r\nHost: x\r\n" +
			"Content-Length: " + strconv.Itoa(100<<20) + "\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			conn := dialRaw(t, slowBody, head)
			got, took := closedWithin(t, conn, 5*time.Second)
			if !strings.Contains(got, "Connection: close") || !(strings.HasPrefix(got, "HTTP/1.1 400") || strings.HasPrefix(got, "HTTP/1.1 401")) {
				t.Errorf("answer %q", got)
			}
			if took > 2*time.Second {
				t.Errorf("took %v: the body was waited for", took)
			}
		})
	}
}
