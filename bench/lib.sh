# Shared by the bench scripts, which `source bench/lib.sh` from the repository root.

# listen_port FILE PID [TRIES]: prints the port of the first "listening on <scheme>://127.0.0.1:PORT"
# line in FILE (a server's stdout), looking every 0.1 s, TRIES (300) times at most or until PID exits.
# Fails (status 1, nothing printed) when no such line shows.
listen_port() {
  local file=$1 pid=$2 tries=${3:-300} port
  for _ in $(seq "$tries"); do
    port=$(sed -n 's/.*listening on [a-z]*:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$file" | head -1)
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
