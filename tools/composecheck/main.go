// composecheck validates a Compose file with compose-go, the loader Docker Compose itself
// uses, so the deployment file is checked on machines without a container engine.
//
// It prints a summary line, then each service's resolved environment as one JSON object
// ({"service": {"VAR": "value" or null}}), then each service's whole resolved configuration
// (restart policy, published ports, ...) as one JSON object, so tests can check what a
// service will receive and how it runs.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	opts, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv,
		cli.WithResolvedPaths(true))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "invalid:", err)
		os.Exit(1)
	}
	fmt.Println("valid compose project", p.Name, "services:", len(p.Services))
	environments := map[string]map[string]*string{}
	for name, service := range p.Services {
		environments[name] = service.Environment
	}
	for _, value := range []any{environments, p.Services} {
		encoded, err := json.Marshal(value)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(string(encoded))
	}
}
