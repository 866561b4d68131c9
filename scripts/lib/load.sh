# Shared by scripts/load-bench.sh and scripts/pg-alone.sh (sourced, not run):
# the status page's wrk script and a staff login.

# Writes to $2 a wrk script that asks for the status page of a random code
# out of the file $1 (one tracking code per line).
status_lua() {
  cat >"$2" <<LUA
math.randomseed(os.time())
codes = {}
for line in io.lines("$1") do codes[#codes + 1] = line end
request = function()
  return wrk.format("GET", "/track?code=" .. codes[math.random(#codes)])
end
LUA
}

# Logs staff account $2 in at server $1 with cookie jar $3; prints the session
# cookie's value, or fails.
staff_session() {
  local base="$1" user="$2" jar="$3" token session
  rm -f "$jar"
  token="$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)"
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$token" \
    --data-urlencode "username=$user" --data-urlencode "password=xieshang-demo" "$base/login"
  session="$(awk '$6 == "xs_session" {print $7}' "$jar")"
  [ -n "$session" ] || { echo "staff login failed: $user" >&2; return 1; }
  echo "$session"
}
