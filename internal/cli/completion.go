package cli

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

func init() { addCommand(newCompletionCmd) }

// shells returns the shells completion writes scripts for.
func shells() []string { return []string{"bash", "zsh", "fish", "powershell"} }

// newCompletionCmd returns `etcdlab completion SHELL`.
func newCompletionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for bash, zsh, fish or powershell",
		Long: `completion prints a script that makes your shell complete etcdlab's commands,
flags and arguments: scenario files (.lab files first) after run and --script,
the forms of export, directories after --data-dir.

bash (needs the bash-completion package):
  source <(etcdlab completion bash)                      # this shell
  etcdlab completion bash > ~/.local/share/bash-completion/completions/etcdlab

zsh (compinit must be enabled, e.g. autoload -U compinit; compinit in ~/.zshrc):
  etcdlab completion zsh > "${fpath[1]}/_etcdlab"

fish:
  etcdlab completion fish > ~/.config/fish/completions/etcdlab.fish

powershell:
  etcdlab completion powershell | Out-String | Invoke-Expression

Open a new shell afterwards.`,
		Example: `  source <(etcdlab completion bash)
  etcdlab completion zsh > "${fpath[1]}/_etcdlab"
  etcdlab completion fish > ~/.config/fish/completions/etcdlab.fish`,
		ValidArgs: shells(),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(shells(), args[0]) {
				return usagef("completion needs one shell: bash, zsh, fish or powershell, e.g. etcdlab completion bash")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return root.GenBashCompletionV2(out, true)
		},
	}
}

// completeScenarioArg completes the FILE of run: a scenario file.
func completeScenarioArg(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return completeScenario(cmd, args, toComplete)
}

// completeScenario completes a scenario file: the .lab files that start
// with toComplete, then the directories (to go on into). When there is
// neither, the shell completes any file name, as without etcdlab.
func completeScenario(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	dir, prefix := filepath.Split(toComplete)
	entries, err := os.ReadDir(cmp.Or(dir, "."))
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	var labs, dirs []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(prefix, ".")) {
			continue
		}
		if isDir(filepath.Join(cmp.Or(dir, "."), n), e) {
			dirs = append(dirs, dir+n+"/")
		} else if strings.HasSuffix(n, ".lab") {
			labs = append(labs, dir+n)
		}
	}
	if len(labs)+len(dirs) == 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	d := cobra.ShellCompDirectiveKeepOrder
	if len(dirs) > 0 {
		d |= cobra.ShellCompDirectiveNoSpace // a directory is completed further
	}
	return append(labs, dirs...), d
}

// isDir reports whether the entry at path is a directory, or a link to one.
func isDir(path string, e os.DirEntry) bool {
	if e.Type()&os.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		return err == nil && fi.IsDir()
	}
	return e.IsDir()
}
