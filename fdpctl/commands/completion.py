"""`fdpctl completion bash|zsh|fish`: a shell completion script; `fdpctl __complete WORDS`
(hidden): the completions of the last word.

The scripts are thin: on every TAB they hand the command line to `fdpctl __complete`, which
walks fdpctl's own argparse parser, so completion knows every command and option of the
fdpctl installed, never an older copy. Job ids, data product names, remotes and users come from
fdpd (`GET /v1/names`, the journal only); if fdpd is not running there are none: completion
never starts it. A line `:files` asks the shell to offer file names as well (no candidate
starts with `:`).
"""

from __future__ import annotations

import argparse
import sys

from fdpctl.cli import Invocation, add_command, build_parser
from fdpctl.errors import SUCCESS, CommandError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

FILES = ":files"
SHELLS = ("bash", "zsh", "fish")
# What completes an argument, by its dest (a command path and dest for a particular one).
DYNAMIC = {
    ("remote remove", "name"): "remotes",
    "remote": "remotes",
    "username": "users",
    "id": "jobs",
    "target": "items",  # ITEM|PATH: data products and jobs, or a file
}
FILE_ARGUMENTS = {"config", "output", "data_store", "token_file", "graph"}


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "completion",
        completion,
        "print a shell completion script (bash, zsh or fish)",
        "Completes commands, options, job ids, data product names, remotes and users (asked "
        "of fdpd if it is running; completion never starts it). Load it with\n"
        "  bash: source <(fdpctl completion bash)           (in ~/.bashrc)\n"
        "  zsh:  source <(fdpctl completion zsh)            (in ~/.zshrc, after compinit)\n"
        "  fish: fdpctl completion fish > ~/.config/fish/completions/fdpctl.fish",
    )
    parser.add_argument("shell", choices=SHELLS)
    hidden = subparsers.add_parser("__complete", add_help=False)  # no help=: not listed
    hidden.add_argument("words", nargs="*")
    hidden.set_defaults(handler=complete, json=False)


def completion(args: argparse.Namespace, inv: Invocation) -> int:
    sys.stdout.write(SCRIPTS[args.shell])
    return SUCCESS


def complete(args: argparse.Namespace, inv: Invocation) -> int:
    """Print the completions of the last of `words` (the command line after `fdpctl`)."""
    words = list(args.words) or [""]
    asked: list[dict[str, Any]] = []  # fdpd's answer, asked for once at most

    def names(kind: str) -> list[str]:
        if not asked:
            asked.append(_ask(inv))
        return [str(name) for name in asked[0].get(kind) or []]

    for line in candidates(build_parser(), words[:-1], words[-1], names):
        print(line)
    return SUCCESS


def candidates(
    parser: argparse.ArgumentParser,
    before: list[str],
    current: str,
    names: Callable[[str], list[str]],
) -> list[str]:
    """What may come at `current`, after the words `before`; `names(kind)` gives fdpd's names
    of a kind (jobs, items, remotes, users)."""
    node, path, given, expecting = parser, "", 0, None
    for word in before:
        if expecting is not None:
            expecting = None
        elif word.startswith("-") and word != "-":
            action = _option(node, word.partition("=")[0])
            if action is not None and action.nargs != 0 and "=" not in word:
                expecting = action
        elif (child := _subcommands(node).get(word)) is not None:
            node, path, given = child, f"{path} {word}".strip(), 0
        else:
            given += 1
    if expecting is not None:
        return _values(expecting, path, current, names)
    if current.startswith("-"):
        return sorted(_matching(_option_strings(node), current))
    commands = [name for name in _subcommands(node) if not name.startswith("_")]
    if commands:
        return sorted(_matching(commands, current))
    positional = _positional(node, given)
    return _values(positional, path, current, names) if positional else []


# argparse has no public introspection; these private attributes have been stable since 3.2.
def _subcommands(node: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in node._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _option(node: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return node._option_string_actions.get(flag)


def _option_strings(node: argparse.ArgumentParser) -> list[str]:
    return [
        flag
        for action in node._actions
        if action.help != argparse.SUPPRESS
        for flag in action.option_strings
    ]


def _positional(node: argparse.ArgumentParser, given: int) -> argparse.Action | None:
    positionals = [
        action
        for action in node._actions
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction)
    ]
    if given < len(positionals):
        return positionals[given]
    last = positionals[-1] if positionals else None
    return last if last is not None and last.nargs in ("*", "+") else None


def _values(
    action: argparse.Action, path: str, current: str, names: Callable[[str], list[str]]
) -> list[str]:
    if action.choices is not None:
        return sorted(_matching([str(choice) for choice in action.choices], current))
    kind = DYNAMIC.get((path, action.dest)) or DYNAMIC.get(action.dest)
    offered: list[str] = []
    if kind == "items":
        offered = [*names("items"), *names("jobs")]
    elif kind is not None:
        offered = names(kind)
    found = _matching(offered, current)
    if kind == "items" or action.dest in FILE_ARGUMENTS:
        found.append(FILES)
    return found


def _matching(words: Iterable[str], current: str) -> list[str]:
    return [word for word in dict.fromkeys(words) if word.startswith(current)]


def _ask(inv: Invocation) -> dict[str, Any]:
    """fdpd's names by kind; none if it is not running (completion never starts it)."""
    try:
        data = inv.call("GET", "/v1/names", autostart=False).data
    except CommandError:
        return {}
    return data if isinstance(data, dict) else {}


# The shells' side: hand the words up to the cursor to `fdpctl __complete`, offer what it says.
BASH = r"""# fdpctl completion for bash: source <(fdpctl completion bash)
_fdpctl() {
    local line=${COMP_LINE:0:COMP_POINT} cur reply
    local -a words candidates
    read -ra words <<<"$line"
    [[ $line =~ [[:space:]]$ ]] && words+=("")
    cur=${words[${#words[@]}-1]}
    local IFS=$'\n'
    candidates=($("${words[0]}" __complete -- "${words[@]:1}" 2>/dev/null))
    COMPREPLY=()
    for reply in "${candidates[@]}"; do
        if [[ $reply == :files ]]; then
            COMPREPLY+=($(compgen -f -- "$cur"))
            compopt -o filenames 2>/dev/null
        else
            COMPREPLY+=("$reply")
        fi
    done
    # bash splits words at `:` (ns:name@version): complete only the part after the last one
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local prefix=${cur%"${cur##*:}"}
        COMPREPLY=("${COMPREPLY[@]#"$prefix"}")
    fi
}
complete -F _fdpctl fdpctl
"""

ZSH = r"""#compdef fdpctl
# fdpctl completion for zsh: source <(fdpctl completion zsh)   (after compinit)
_fdpctl() {
    local -a candidates
    candidates=("${(@f)$(${words[1]} __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    candidates=(${candidates:#})
    if (( ${candidates[(Ie):files]} )); then
        candidates=(${candidates:#:files})
        _files
    fi
    (( ${#candidates} )) && compadd -Q -S ' ' -- "${candidates[@]}"
    return 0
}
if (( $+functions[compdef] )); then
    compdef _fdpctl fdpctl
fi
"""

FISH = r"""# fdpctl completion for fish:
#   fdpctl completion fish > ~/.config/fish/completions/fdpctl.fish
function __fdpctl_complete
    set -l before (commandline -opc)
    set -l current (commandline -ct)
    for reply in ($before[1] __complete -- $before[2..-1] "$current" 2>/dev/null)
        if test "$reply" = ":files"
            __fish_complete_path "$current"
        else
            echo $reply
        end
    end
end
complete -c fdpctl -f -a '(__fdpctl_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}
