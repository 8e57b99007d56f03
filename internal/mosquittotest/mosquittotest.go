// Package mosquittotest runs a real mosquitto broker for tests, on a free
// loopback port, with a password file (no anonymous access) and without
// persistence, so that a restarted broker has lost every retained
// message, as a broker whose disk was wiped would.
//
//	b := mosquittotest.Start(t)           // stopped at the end of the test
//	c := b.Client(t, "home-assistant")    // a connected paho client
//	b.Restart(t)
//
// mosquitto comes from /usr/sbin or $PATH (`make deps-mosquitto` installs
// the Debian package). Without it the test is skipped, or fails when $CI
// is set.
package mosquittotest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// Users and their passwords in every broker's password file.
const (
	User         = "vcf_exporter"
	Password     = "mosquittotest-exporter-password"
	HAUser       = "homeassistant"
	HAPassword   = "mosquittotest-ha-password"
	passwordTool = "mosquitto_passwd"
)

// Broker is one mosquitto process with its own directory and port.
type Broker struct {
	// URL is tcp://127.0.0.1:<port>.
	URL string
	// PasswordFile holds Password (for --mqtt.password-file).
	PasswordFile string
	// Output is mosquitto's standard output and error, across restarts
	// (its log is Log).
	Output *testutil.Buffer

	bin, dir, addr string
	proc           *testutil.Process
}

// Binary returns the mosquitto to run and whether one was found.
func Binary() (string, bool) {
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto", true
	}
	p, err := exec.LookPath("mosquitto")
	return p, err == nil
}

// Start runs mosquitto and stops it when the test ends.
func Start(t testing.TB) *Broker {
	t.Helper()
	bin, ok := Binary()
	_, errPW := exec.LookPath(passwordTool)
	if !ok || errPW != nil {
		msg := "mosquitto or mosquitto_passwd not found; run `make deps-mosquitto`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	b := &Broker{bin: bin, dir: t.TempDir(), addr: testutil.FreeAddr(t), Output: &testutil.Buffer{}}
	b.URL = "tcp://" + b.addr
	b.PasswordFile = filepath.Join(b.dir, "exporter.password")
	if err := os.WriteFile(b.PasswordFile, []byte(Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(b.dir, "passwd")
	for i, u := range [][2]string{{User, Password}, {HAUser, HAPassword}} {
		args := []string{"-b", pwFile, u[0], u[1]}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command(passwordTool, args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v\n%s", err, out)
		}
	}
	_, port, _ := net.SplitHostPort(b.addr)
	conf := fmt.Sprintf("listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\npersistence false\n"+
		"log_dest file %s\nlog_type all\nconnection_messages true\n", port, pwFile, b.logFile())
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		conf += "user root\n" // else mosquitto switches to a user that cannot read the test's files
	}
	if err := os.WriteFile(filepath.Join(b.dir, "mosquitto.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Restart(t)
	t.Cleanup(func() {
		b.Stop(t)
		if t.Failed() {
			t.Logf("mosquitto log:\n%s", b.Log())
		}
	})
	return b
}

func (b *Broker) logFile() string { return filepath.Join(b.dir, "mosquitto.log") }

// Log returns mosquitto's log so far: every connection, subscription and
// message, across restarts.
func (b *Broker) Log() string {
	out, _ := os.ReadFile(b.logFile())
	return string(out)
}

// Stop stops mosquitto. Stopping a stopped broker does nothing.
func (b *Broker) Stop(t testing.TB) {
	t.Helper()
	if b.proc != nil && !b.proc.Exited() {
		_ = b.proc.Stop(t, 20*time.Second)
	}
}

// Restart starts a stopped broker (again) on its port, empty.
func (b *Broker) Restart(t testing.TB) {
	t.Helper()
	b.proc = testutil.Start(t, testutil.Command{Path: b.bin, Args: []string{"-c", filepath.Join(b.dir, "mosquitto.conf")}, Output: b.Output})
	b.proc.WaitDial(t, 20*time.Second, b.addr)
}

// Client returns a connected client logged in as HAUser, disconnected when
// the test ends.
func (b *Broker) Client(t testing.TB, id string) mqtt.Client {
	t.Helper()
	opts := mqtt.NewClientOptions().AddBroker(b.URL).SetClientID(id).SetUsername(HAUser).SetPassword(HAPassword).
		SetAutoReconnect(true).SetMaxReconnectInterval(time.Second).SetOrderMatters(true)
	c := mqtt.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
		t.Fatalf("connecting to mosquitto: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}
