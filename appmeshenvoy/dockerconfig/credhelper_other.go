//go:build !unix

package dockerconfig

import "os/exec"

// killGroupOnCancel leaves cmd as it is: without Unix process groups, the end of its
// context kills the helper (exec.CommandContext's default) but not programs it started.
// Their pipes are closed after cmd.WaitDelay, so the call still returns.
func killGroupOnCancel(*exec.Cmd) {}
