package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// newHelp returns `etcdlab help [COMMAND]`, cobra's help command but for
// an unknown topic: one line and exit status 2, like any bad input.
func newHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long: `help prints the help of etcdlab or of one of its commands: what it does,
examples, and every flag with its default. etcdlab COMMAND --help prints the same.`,
		Example: `  etcdlab help
  etcdlab help export`,
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return commandNames(c.Root()), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			cmd, rest, err := root.Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				return usagef("unknown help topic %q: commands are %s; see etcdlab --help",
					strings.Join(args, " "), strings.Join(commandNames(root), ", "))
			}
			cmd.InitDefaultHelpFlag()
			return cmd.Help()
		},
	}
}
