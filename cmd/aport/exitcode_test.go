package main

import (
	"errors"
	"os/exec"
	"strconv"
)

func exitCodeOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return strconv.Itoa(ee.ExitCode())
	}
	return "error: " + err.Error()
}
