// The probe agent: one process per sandbox host, started inside the host's network namespace
// (`ip netns exec <ns> probe-agent <identity>`). It listens on the ports it is told and makes the
// connection attempts it is told, answering on stdout; requests come one JSON object per line on
// stdin and are served concurrently. Standard library only; scripts/run builds it into
// .tools/bin/probe-agent (PROBE_AGENT) and src/sandbox/probe.ts starts it.
//
//	→ {"id":1,"op":"listen","tcp":[8080],"udp":[53]}       ← {"id":1,"ok":true}
//	→ {"id":2,"op":"probe","protocol":"TCP","host":"10.244.0.3","port":8080,"timeoutMs":1500}
//	← {"id":2,"result":"open","detail":"fineract-uat/keycloak tcp 8080"}
//	→ {"id":3,"op":"probeMany","probes":[{"protocol":"TCP","host":"10.244.0.3","port":8080},…],
//	   "timeoutMs":1500,"concurrency":4}
//	← {"id":3,"verdicts":[{"result":"open","detail":"fineract-uat/keycloak tcp 8080"},…]}
//	→ {"id":4,"op":"ping"}                                  ← {"id":4,"ok":true,"pid":1234}
//
// A TCP listener writes "<identity> tcp <port>\n" to every connection; a UDP listener answers every
// datagram with "<identity> udp <port> <datagram>". A probe is open only when that answer arrives
// (so a connection to something else never counts); blocked when the connection is refused or
// reset, the host or port is unreachable (ICMP), or nothing answers in time; error for anything
// else (the run then fails: a probe is never left unknown). Any other op is taken as a probe.
//
// It replaced a Node.js agent (src/sandbox/agent.ts until December 2026) that spent ~0.4 ms of CPU
// per probe; the protocol, the answers (byte for byte: Node's error codes, JavaScript's
// JSON.stringify, WHATWG UTF-8 decoding), the UDP source-port counter and probeMany's workers are
// the same. Closing stdin stops it (exit 0, unanswered requests dropped); a line that is not JSON
// stops it with exit 1. Requests the sandbox never sends (a port outside 0-65535, a host that is
// not a string) are answered with an error where the Node agent threw or crashed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

var identity = "agent"

// UDP probes bind their source port from a counter, never reusing one: the node's conntrack keeps
// a UDP flow it accepted for 30-120 s, and a probe that happened to reuse an earlier open probe's
// ports would ride that entry through a policy that now blocks it (kube-router, like every
// enforcer, accepts packets of established flows). Each probe is then a new flow.
const (
	udpSourceFirst = 20_000
	udpSourceLast  = 60_999
)

var (
	counterMu     sync.Mutex
	nextUDPSource = udpSourceFirst
	nonce         = 0
)

// nextUDPProbe returns the probe's token number and source port, both taken when the probe starts.
func nextUDPProbe() (int, int) {
	counterMu.Lock()
	defer counterMu.Unlock()
	nonce++
	port := nextUDPSource
	if port >= udpSourceLast {
		nextUDPSource = udpSourceFirst
	} else {
		nextUDPSource = port + 1
	}
	return nonce, port
}

// Errors that mean "the network said no" (a policy's REJECT, an ICMP unreachable).
var blockedErrors = map[string]bool{
	"ECONNREFUSED": true, "ECONNRESET": true, "EHOSTUNREACH": true,
	"ENETUNREACH": true, "EACCES": true, "EPERM": true,
}

// Node's names of the errno values a socket can report.
var errnoNames = map[syscall.Errno]string{
	syscall.ECONNREFUSED: "ECONNREFUSED", syscall.ECONNRESET: "ECONNRESET",
	syscall.EHOSTUNREACH: "EHOSTUNREACH", syscall.ENETUNREACH: "ENETUNREACH",
	syscall.EACCES: "EACCES", syscall.EPERM: "EPERM", syscall.ETIMEDOUT: "ETIMEDOUT",
	syscall.EADDRINUSE: "EADDRINUSE", syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL",
	syscall.ENETDOWN: "ENETDOWN", syscall.EHOSTDOWN: "EHOSTDOWN", syscall.EPIPE: "EPIPE",
	syscall.ECONNABORTED: "ECONNABORTED", syscall.EINVAL: "EINVAL", syscall.EAFNOSUPPORT: "EAFNOSUPPORT",
	syscall.EMFILE: "EMFILE", syscall.ENFILE: "ENFILE", syscall.ENOBUFS: "ENOBUFS",
	syscall.ENOMEM: "ENOMEM", syscall.EPROTO: "EPROTO", syscall.ENOTCONN: "ENOTCONN",
	syscall.EMSGSIZE: "EMSGSIZE", syscall.ENONET: "ENONET", syscall.ENOPROTOOPT: "ENOPROTOOPT",
}

// libuv's messages where they differ from the C library's.
var uvMessages = map[syscall.Errno]string{syscall.EADDRNOTAVAIL: "address not available"}

// errorCode is what Node reports as error.code (or error.message when there is no code).
func errorCode(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			return name
		}
		return fmt.Sprintf("Unknown system error -%d", int(errno))
	}
	var dnsError *net.DNSError
	if errors.As(err, &dnsError) {
		if dnsError.IsNotFound {
			return "ENOTFOUND"
		}
		return "EAI_AGAIN"
	}
	return err.Error()
}

type verdict struct {
	result string // open, blocked or error
	detail string
}

func fromError(err error) verdict {
	code := errorCode(err)
	if blockedErrors[code] {
		return verdict{"blocked", code}
	}
	return verdict{"error", code}
}

// --- replies: JSON written as JavaScript's JSON.stringify writes it ---------------------------

var stdoutMu sync.Mutex

// reply writes one answer line; fields are name/raw-JSON pairs in order, a nil value is left out
// (as JSON.stringify leaves out undefined).
func reply(fields ...any) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for i := 0; i+1 < len(fields); i += 2 {
		value := fields[i+1].(json.RawMessage)
		if value == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(jsString(fields[i].(string)))
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteString("}\n")
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	_, _ = os.Stdout.Write(b.Bytes())
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func rawString(s string) json.RawMessage { return json.RawMessage(jsString(s)) }

func verdictJSON(v verdict) string {
	return `{"result":` + jsString(v.result) + `,"detail":` + jsString(v.detail) + `}`
}

// jsString is JSON.stringify of a string: only quote, backslash and control characters escaped.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// jsNumber is JavaScript's String(number).
func jsNumber(f float64) string {
	if f == 0 {
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mantissa, exponent, _ := strings.Cut(s, "e")
		sign := exponent[0]
		exponent = strings.TrimLeft(exponent[1:], "0")
		return mantissa + "e" + string(sign) + exponent
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// jsValue re-encodes a JSON value as JSON.stringify would (nil when absent, i.e. undefined).
func jsValue(value json.RawMessage) json.RawMessage {
	if value == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(value, &v); err != nil {
		return nil
	}
	switch x := v.(type) {
	case float64:
		return raw(jsNumber(x))
	case string:
		return rawString(x)
	case bool, nil:
		return raw(string(bytes.TrimSpace(value)))
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, value)
	return compact.Bytes()
}

// decodeUTF8 decodes bytes as Node's Buffer.toString('utf8') does (WHATWG: each maximal invalid
// subpart becomes one U+FFFD).
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var s strings.Builder
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			s.WriteByte(c)
			i++
			continue
		}
		need, lower, upper := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lower = 2, 0xA0
		case c == 0xED:
			need, upper = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lower = 3, 0x90
		case c == 0xF4:
			need, upper = 3, 0x8F
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		default:
			s.WriteRune(utf8.RuneError)
			i++
			continue
		}
		j, ok := i+1, true
		for k := 0; k < need; k++ {
			lo, hi := byte(0x80), byte(0xBF)
			if k == 0 {
				lo, hi = lower, upper
			}
			if j >= len(b) || b[j] < lo || b[j] > hi {
				ok = false
				break
			}
			j++
		}
		if ok {
			s.Write(b[i:j])
		} else {
			s.WriteRune(utf8.RuneError)
		}
		i = j
	}
	return s.String()
}

// --- requests ----------------------------------------------------------------------------------

// thrown is an exception of the Node agent: the request is answered {"ok":false,…}.
type thrown struct{ message string }

func (t thrown) Error() string { return t.message }

// port is a port as given: its text (how the answers spell it) and its number.
type port struct {
	text   string
	number int
}

// parsePort accepts what Node's validatePort accepts: an integer (or a string of one) in
// 0-65535 (1-65535 without zero).
func parsePort(value json.RawMessage, name string, allowZero bool) (port, error) {
	var v any
	_ = json.Unmarshal(value, &v)
	var text string
	var number float64
	valid := false
	switch x := v.(type) {
	case float64:
		text, number, valid = jsNumber(x), x, true
	case string:
		text = x
		if strings.TrimSpace(x) != "" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				number, valid = f, true
			}
		}
	}
	if valid && number == math.Trunc(number) && number >= 0 && number <= 65535 && (number != 0 || allowZero) {
		return port{text, int(number)}, nil
	}
	bound := ">= 0"
	if !allowZero {
		bound = "> 0"
	}
	return port{}, thrown{fmt.Sprintf("%s should be %s and < 65536. Received %s.", name, bound, describe(v, value))}
}

func describe(v any, value json.RawMessage) string {
	switch x := v.(type) {
	case nil:
		if value == nil {
			return "undefined"
		}
		return "null"
	case float64:
		return "type number (" + jsNumber(x) + ")"
	case string:
		return "type string ('" + x + "')"
	case bool:
		return "type boolean (" + strconv.FormatBool(x) + ")"
	}
	return "an instance of " + map[bool]string{true: "Array", false: "Object"}[bytes.HasPrefix(bytes.TrimSpace(value), []byte("["))]
}

// jsTimeout is a timeout in milliseconds as given (for the detail) and as setTimeout takes it.
func jsTimeout(value json.RawMessage) (string, time.Duration) {
	var f float64
	if err := json.Unmarshal(value, &f); err != nil || value == nil {
		var s string
		if json.Unmarshal(value, &s) == nil {
			f, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return s, time.Millisecond
			}
			return s, delay(f)
		}
		return "undefined", time.Millisecond
	}
	return jsNumber(f), delay(f)
}

// delay is setTimeout's: anything outside 1 ms-2^31-1 ms is 1 ms.
func delay(ms float64) time.Duration {
	if !(ms >= 1 && ms <= 2147483647) {
		ms = 1
	}
	return time.Duration(ms * float64(time.Millisecond))
}

type target struct {
	protocol json.RawMessage
	host     json.RawMessage
	port     json.RawMessage
}

func targetOf(fields map[string]json.RawMessage) target {
	return target{fields["protocol"], fields["host"], fields["port"]}
}

func probeOne(t target, timeoutText string, timeout time.Duration) (verdict, error) {
	var host string
	if err := json.Unmarshal(t.host, &host); err != nil || t.host == nil {
		return verdict{}, thrown{`The "options.host" property must be of type string`}
	}
	if bytes.Equal(bytes.TrimSpace(t.protocol), []byte(`"TCP"`)) {
		p, err := parsePort(t.port, "Port", true)
		if err != nil {
			return verdict{}, err
		}
		return probeTCP(host, p, timeoutText, timeout), nil
	}
	p, err := parsePort(t.port, "Port", false)
	if err != nil {
		return verdict{}, err
	}
	return probeUDP(host, p, timeoutText, timeout), nil
}

// buffers holds the probes' receive buffers (a datagram can be 64 KiB): one allocation per probe
// made garbage of most of the agent's CPU.
var buffers = sync.Pool{New: func() any { b := make([]byte, 65536); return &b }}

func noAnswer(timeoutText string) verdict {
	return verdict{"blocked", "no answer in " + timeoutText + " ms"}
}

func isTimeout(err error) bool {
	var netError net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &netError) && netError.Timeout())
}

func probeTCP(host string, p port, timeoutText string, timeout time.Duration) verdict {
	deadline := time.Now().Add(timeout)
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(p.number)))
	if err != nil {
		if isTimeout(err) {
			return noAnswer(timeoutText)
		}
		return fromError(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(deadline)
	var data []byte
	pooled := buffers.Get().(*[]byte)
	defer buffers.Put(pooled)
	buffer := (*pooled)[:4096]
	for {
		n, err := conn.Read(buffer)
		data = append(data, buffer[:n]...)
		if newline := bytes.IndexByte(data, '\n'); newline >= 0 {
			line := decodeUTF8(data[:newline])
			if strings.HasSuffix(line, " tcp "+p.text) {
				return verdict{"open", line}
			}
			return verdict{"error", "unexpected answer " + jsString(line)}
		}
		if err == io.EOF {
			return verdict{"error", "connected, closed without an answer (" + jsString(decodeUTF8(data)) + ")"}
		}
		if err != nil {
			if isTimeout(err) {
				return noAnswer(timeoutText)
			}
			return fromError(err)
		}
	}
}

func probeUDP(host string, p port, timeoutText string, timeout time.Duration) verdict {
	number, source := nextUDPProbe()
	token := fmt.Sprintf("probe-%d-%d", os.Getpid(), number)
	dialer := net.Dialer{LocalAddr: &net.UDPAddr{Port: source}}
	conn, err := dialer.Dial("udp4", net.JoinHostPort(host, strconv.Itoa(p.number)))
	if err != nil {
		return fromError(err)
	}
	defer conn.Close()
	start := time.Now()
	end := start.Add(timeout)
	// Three datagrams spread over the timeout: a lost one is not a blocked flow.
	sends := []time.Time{start.Add(timeout / 3), start.Add(2 * timeout / 3)}
	if _, err := conn.Write([]byte(token)); err != nil {
		return fromError(err)
	}
	suffix := " udp " + p.text + " " + token
	pooled := buffers.Get().(*[]byte)
	defer buffers.Put(pooled)
	buffer := *pooled
	for {
		wake := end
		if len(sends) > 0 && sends[0].Before(end) {
			wake = sends[0]
		}
		_ = conn.SetReadDeadline(wake)
		n, err := conn.Read(buffer)
		if err == nil {
			if text := decodeUTF8(buffer[:n]); strings.HasSuffix(text, suffix) {
				return verdict{"open", text[:len(text)-len(token)-1]}
			}
			continue
		}
		if !isTimeout(err) {
			return fromError(err)
		}
		if !time.Now().Before(end) {
			return noAnswer(timeoutText)
		}
		if len(sends) > 0 && !time.Now().Before(sends[0]) {
			sends = sends[1:]
			if _, err := conn.Write([]byte(token)); err != nil {
				return fromError(err)
			}
		}
	}
}

// probeMany makes every target, at most `concurrency` at a time (as many workers, each taking the
// next target when its last is done); the verdicts in the targets' order. A target that throws
// answers the whole request with its error (the other workers still finish theirs).
func probeMany(targets []target, concurrency json.RawMessage, timeoutText string, timeout time.Duration) ([]*verdict, error) {
	verdicts := make([]*verdict, len(targets))
	// Math.max(1, Math.min(concurrency, n)) workers, as Array.from counts them (NaN: none).
	workers := 0
	var c float64
	if json.Unmarshal(concurrency, &c) == nil && concurrency != nil {
		workers = int(math.Max(1, math.Min(c, float64(len(targets)))))
	} else {
		var s string
		if json.Unmarshal(concurrency, &s) == nil {
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				workers = int(math.Max(1, math.Min(f, float64(len(targets)))))
			}
		}
	}
	var mu sync.Mutex
	next := 0
	failed := make(chan error, 1)
	var wait sync.WaitGroup
	for w := 0; w < workers; w++ {
		wait.Add(1)
		go func() {
			defer wait.Done()
			for {
				mu.Lock()
				if next >= len(targets) {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				v, err := probeOne(targets[i], timeoutText, timeout)
				if err != nil {
					select {
					case failed <- err:
					default:
					}
					return
				}
				verdicts[i] = &v
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		wait.Wait()
		close(done)
	}()
	select {
	case err := <-failed:
		return nil, err
	case <-done:
		select {
		case err := <-failed:
			return nil, err
		default:
			return verdicts, nil
		}
	}
}

// --- listeners ---------------------------------------------------------------------------------

// listenTCP listens as Node's net.Server does: 0.0.0.0, SO_REUSEADDR, a backlog of 511.
func listenTCP(p port) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		return listenError(err, p)
	}
	fail := func(err error) error {
		_ = syscall.Close(fd)
		return listenError(err, p)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fail(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: p.number}); err != nil {
		return fail(err)
	}
	if err := syscall.Listen(fd, 511); err != nil {
		return fail(err)
	}
	file := os.NewFile(uintptr(fd), "tcp-listener")
	listener, err := net.FileListener(file)
	_ = file.Close()
	if err != nil {
		return thrown{err.Error()}
	}
	answer := []byte(identity + " tcp " + p.text + "\n")
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			go serveTCP(conn.(*net.TCPConn), answer)
		}
	}()
	return nil
}

// serveTCP is socket.end(answer): write, half-close, and close once the peer has closed too.
func serveTCP(conn *net.TCPConn, answer []byte) {
	defer conn.Close()
	if _, err := conn.Write(answer); err != nil {
		return
	}
	_ = conn.CloseWrite()
	_, _ = io.Copy(io.Discard, conn)
}

func listenError(err error, p port) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		message, ok := uvMessages[errno]
		if !ok {
			message = errno.Error()
		}
		return thrown{fmt.Sprintf("listen %s: %s 0.0.0.0:%s", errorCode(err), message, p.text)}
	}
	return thrown{err.Error()}
}

func listenUDP(p port) error {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero, Port: p.number})
	if err != nil {
		return thrown{fmt.Sprintf("bind %s 0.0.0.0:%s", errorCode(err), p.text)}
	}
	prefix := identity + " udp " + p.text + " "
	go func() {
		buffer := make([]byte, 65536)
		for {
			n, remote, err := conn.ReadFromUDP(buffer)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			_, _ = conn.WriteToUDP([]byte(prefix+decodeUTF8(buffer[:n])), remote)
		}
	}()
	return nil
}

// listen starts every listener, as given; the first failure is the answer, a UDP port's before a
// TCP port's (Node reported a failed bind one event-loop turn before a failed listen).
func listen(fields map[string]json.RawMessage) error {
	var first, firstUDP error
	for _, name := range []string{"tcp", "udp"} {
		var ports []json.RawMessage
		if err := json.Unmarshal(fields[name], &ports); err != nil || fields[name] == nil {
			return thrown{"Cannot read properties of undefined (reading 'map')"}
		}
		for _, value := range ports {
			var err error
			if name == "tcp" {
				var p port
				if p, err = parsePort(value, "options.port", true); err == nil {
					err = listenTCP(p)
				}
			} else {
				var p port
				if p, err = parsePort(value, "Port", true); err == nil {
					err = listenUDP(p)
				}
			}
			if err != nil && name == "tcp" && first == nil {
				first = err
			}
			if err != nil && name == "udp" && firstUDP == nil {
				firstUDP = err
			}
		}
	}
	if firstUDP != nil {
		return firstUDP
	}
	return first
}

func handle(fields map[string]json.RawMessage) {
	id := jsValue(fields["id"])
	var op string
	_ = json.Unmarshal(fields["op"], &op)
	timeoutText, timeout := jsTimeout(fields["timeoutMs"])
	var err error
	switch op {
	case "listen":
		if err = listen(fields); err == nil {
			reply("id", id, "ok", raw("true"))
		}
	case "probeMany":
		var list []map[string]json.RawMessage
		if json.Unmarshal(fields["probes"], &list) != nil {
			err = thrown{"Cannot read properties of undefined (reading 'length')"}
			break
		}
		targets := make([]target, len(list))
		for i, t := range list {
			targets[i] = targetOf(t)
		}
		var verdicts []*verdict
		if verdicts, err = probeMany(targets, fields["concurrency"], timeoutText, timeout); err == nil {
			var b strings.Builder
			b.WriteByte('[')
			for i, v := range verdicts {
				if i > 0 {
					b.WriteByte(',')
				}
				if v == nil {
					b.WriteString("null")
				} else {
					b.WriteString(verdictJSON(*v))
				}
			}
			b.WriteByte(']')
			reply("id", id, "verdicts", raw(b.String()))
		}
	default:
		var v verdict
		if v, err = probeOne(targetOf(fields), timeoutText, timeout); err == nil {
			reply("id", id, "result", rawString(v.result), "detail", rawString(v.detail))
		}
	}
	if err != nil {
		reply("id", id, "ok", raw("false"), "result", rawString("error"), "detail", rawString(err.Error()))
	}
}

// isBlank tells whether JavaScript's line.trim() leaves nothing.
func isBlank(line string) bool {
	return strings.TrimFunc(line, func(r rune) bool {
		return r == '\uFEFF' || r == '\u00A0' || r == '\u1680' || (r >= '\u2000' && r <= '\u200A') ||
			r == '\u2028' || r == '\u2029' || r == '\u202F' || r == '\u205F' || r == '\u3000' ||
			r == ' ' || (r >= '\t' && r <= '\r')
	}) == ""
}

func serveLine(line []byte) {
	text := decodeUTF8(line)
	if isBlank(text) {
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &fields); err != nil || fields == nil {
		fmt.Fprintf(os.Stderr, "probe-agent: not a JSON object: %s\n", text)
		os.Exit(1)
	}
	var op string
	_ = json.Unmarshal(fields["op"], &op)
	if op == "ping" {
		// Answered at once, as the Node agent did (before a following close could stop it).
		reply("id", jsValue(fields["id"]), "ok", raw("true"), "pid", raw(strconv.Itoa(os.Getpid())))
		return
	}
	go handle(fields)
}

func main() {
	if len(os.Args) > 1 {
		identity = decodeUTF8([]byte(os.Args[1]))
	}
	// Lines end with \n, \r\n or \r (as Node's readline splits them); the last may have no end.
	input := bufio.NewReaderSize(os.Stdin, 1<<16)
	var line []byte
	afterCR := false
	for {
		c, err := input.ReadByte()
		if err != nil {
			break
		}
		if c == '\n' && afterCR {
			afterCR = false
			continue
		}
		afterCR = c == '\r'
		if c == '\n' || c == '\r' {
			serveLine(line)
			line = nil
			continue
		}
		line = append(line, c)
	}
	if len(line) > 0 {
		serveLine(line)
	}
	// The sandbox closes stdin to stop an agent (it also stops it by PID).
	os.Exit(0)
}
