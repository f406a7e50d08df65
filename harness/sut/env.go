package sut

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// baseEnv are the variables of paychaos's own environment every SUT
// process gets: what a program needs to find its tools, its home and a
// temporary directory, and to read text and time as the machine does.
// Nothing else is inherited, so that a secret of paychaos's (the
// provider's control token, a cloud credential) never reaches the service
// it judges.
var baseEnv = []string{"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ"}

// envName is what a variable named in env.pass must look like.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ownPrefix marks paychaos's own variables, which no target may pass on.
const ownPrefix = "PAYCHAOS_"

// processEnv is the environment a SUT process (and the target's hooks)
// starts with: the allow-listed variables of paychaos's environment, those
// the target passes through (env.pass), then the process's own variables.
// The wiring (address, provider URL, keys) is added by the launcher.
func processEnv(t Target) []string {
	var env []string
	for _, name := range append(baseEnv[:len(baseEnv):len(baseEnv)], t.Env.Pass...) {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	for k, v := range t.Process.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// validatePass checks env.pass: plain variable names, none of paychaos's
// own.
func validatePass(pass []string) error {
	for i, name := range pass {
		path := fmt.Sprintf("env.pass[%d]", i)
		if !envName.MatchString(name) {
			return bad(path, "%q is not a variable name: want e.g. DATABASE_URL (letters, digits, _)", name)
		}
		if strings.HasPrefix(strings.ToUpper(name), ownPrefix) {
			return bad(path, "%s is paychaos's own and never reaches the service under test: pass the value the service needs under a name of its own (process.env)", name)
		}
	}
	return nil
}
