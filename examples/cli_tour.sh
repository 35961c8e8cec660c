#!/usr/bin/env bash
# A tour of the `llamastack` command line against a Llama Stack 0.7 server.
#
#   LLAMA_STACK_BASE_URL=http://localhost:8321 bash examples/cli_tour.sh
#
# Every command is derived from a spec class: `llamastack RESOURCE VERB --help` shows its
# options. `python -m llamastack` is the same program as the `llamastack` script.
set -euo pipefail
PYTHON="${PYTHON:-python}"
MODEL="${LLAMA_STACK_MODEL:-fake-openai/fake-llm}"
cli() { "$PYTHON" -m llamastack "$@"; }
field() { "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

echo "== models list --output table"
cli models list --output table

echo "== chat-completions create --stream"
cli chat-completions create --model "$MODEL" --message system:"be brief" --message user:"hello cli" --stream

echo "== conversations create, responses create --conversation"
conversation="$(cli conversations create --metadata '{"topic": "cli"}' | field id)"
cli responses create --model "$MODEL" --input "hi from the shell" --conversation "$conversation" --stream
cli conversations delete --conversation-id "$conversation" --output table

echo "== files upload (a progress bar when stderr is a terminal), files list --all"
notes="$(mktemp)"
trap 'rm -f "$notes"' EXIT
echo "notes from the command line" > "$notes"
file_id="$(cli files upload "$notes" --purpose assistants | field id)"
cli files list --limit 3 --output table  # one page
echo "files on all pages: $(cli files list --all --limit 5 | "$PYTHON" -c 'import json, sys; print(len(json.load(sys.stdin)))')"
cli file-content retrieve --file-id "$file_id"
cli files delete --file-id "$file_id" --output table

echo "== errors: one line on stderr (here shown on stdout), the exit status by class"
set +e
cli models retrieve --model-id no-such-model 2>&1
echo "exit status $? (4: the server answered 4xx)"
cli --base-url http://127.0.0.1:9 --max-retries 0 models list 2>&1
echo "exit status $? (3: no connection; --debug would add the traceback)"
cli chat-completions create --model "$MODEL" 2>&1 | tail -n 1
echo "exit status ${PIPESTATUS[0]} (2: a usage error, found before anything is sent)"
set -e
echo "tour complete"
