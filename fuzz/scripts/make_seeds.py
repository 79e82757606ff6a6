#!/usr/bin/env python3
"""Writes the hand-made seed corpora of the API, config, recording and template targets
under fuzz/corpus-seed/<target>/ (run from fuzz/). API seeds start with the byte that picks
the body kind within the target's group (server::fuzzing::ApiBody::group)."""
import gzip, io, json, os, zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus-seed")

def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def api(group, name, pick, body):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    put("api_" + group, name, bytes([pick]) + body)

TICK = "dbrp \"db\".\"rp\"\nstream|from().measurement('m')|alert().crit(lambda: \"value\" > 1)\n"
BATCH = "batch|query('SELECT mean(value) FROM \"db\".\"rp\".\"m\"').period(1m).every(1m)|httpOut('x')\n"

# tasks: 0 create, 1 update (PATCH /tasks/fixture)
api("tasks", "create_stream", 0, {"id": "t1", "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}], "script": TICK, "status": "enabled"})
api("tasks", "create_batch", 0, {"id": "t2", "type": "batch", "dbrps": [{"db": "db", "rp": "rp"}], "script": BATCH})
api("tasks", "create_vars", 0, {"id": "t3", "script": "var x = 1\n" + TICK, "vars": {"x": {"type": "int", "value": 5}}})
api("tasks", "create_bad_script", 0, {"id": "t4", "script": "stream|from(", "dbrps": [{"db": "db", "rp": "rp"}]})
api("tasks", "create_bad_id", 0, {"id": "../x", "script": TICK})
api("tasks", "create_wrong_types", 0, {"id": 5, "type": [], "dbrps": "db", "script": 1, "status": "maybe"})
api("tasks", "create_template", 0, {"id": "t5", "template-id": "fixture_tpl", "dbrps": [{"db": "db", "rp": "rp"}], "vars": {"measurement": {"type": "string", "value": "m"}}})
api("tasks", "create_not_json", 0, "{\"id\": \"t6\", \"script\": ")
api("tasks", "update_status", 1, {"status": "disabled"})
api("tasks", "update_script", 1, {"script": TICK.replace("> 1", "> 2")})
api("tasks", "update_rename", 1, {"id": "renamed"})
api("tasks", "update_dbrps", 1, {"dbrps": [{"db": "", "rp": ""}, {"db": "x"}]})
api("tasks", "update_vars_null", 1, {"vars": None, "script": None})

# templates: 0 create, 1 update
TPL = "var measurement string\nvar limit = 10\nstream|from().measurement(measurement)|alert().crit(lambda: \"value\" > limit)\n"
api("templates", "create", 0, {"id": "tpl2", "type": "stream", "script": TPL})
api("templates", "create_batch", 0, {"id": "tpl3", "type": "batch", "script": "var q string\nbatch|query(q).every(1m)|httpOut('x')\n"})
api("templates", "create_bad", 0, {"id": "tpl4", "type": "stream", "script": "var x = \nstream|from("})
api("templates", "create_bad_id", 0, {"id": "a/b", "type": "stream", "script": "stream"})
api("templates", "update_script", 1, {"script": TPL.replace("10", "20")})
api("templates", "update_type_change", 1, {"type": "batch"})
api("templates", "update_drops_var", 1, {"script": "stream|from()|alert()"})

# vars: 0 template task vars (spliced), 1 script task vars (spliced), 2 YAML template task
api("vars", "all_types", 0, json.dumps({
    "measurement": {"type": "string", "value": "m"},
    "limit": {"type": "int", "value": 3},
    "f": {"type": "float", "value": 1.5},
    "b": {"type": "bool", "value": True},
    "d": {"type": "duration", "value": "10s"},
    "r": {"type": "regex", "value": "^a.*"},
    "l": {"type": "lambda", "value": "\"value\" > 5"},
    "s": {"type": "star", "value": None},
    "lst": {"type": "list", "value": [{"type": "string", "value": "a"}, {"type": "int", "value": 1}]},
}))
api("vars", "wrong_type", 0, json.dumps({"measurement": {"type": "int", "value": 1}, "limit": {"type": "float", "value": 2}}))
api("vars", "duration_ns", 0, json.dumps({"measurement": {"type": "string", "value": "m"}, "d": {"type": "duration", "value": 9223372036854775807}}))
api("vars", "bad_lambda", 1, json.dumps({"limit": {"type": "lambda", "value": "\"x\" +"}}))
api("vars", "override", 1, json.dumps({"limit": {"type": "int", "value": 99}, "measurement": {"type": "string", "value": "cpu"}}))
api("vars", "missing", 1, "{}")
api("vars", "not_object", 1, "[1,2,3]")
api("vars", "yaml_task", 2, "template-id: fixture_tpl\ndbrps:\n  - db: db\n    rp: rp\nvars:\n  measurement:\n    type: string\n    value: cpu\n  limit:\n    type: int\n    value: 4\n")
api("vars", "yaml_anchors", 2, "template-id: fixture_tpl\nvars: &v\n  measurement: {type: string, value: x}\nother: *v\n")

# topic handlers: 0 create, 1 put, 2 patch, 3 YAML file
api("topic_handlers", "create_log", 0, {"id": "h1", "kind": "log", "options": {"path": "/dev/null"}})
api("topic_handlers", "create_post", 0, {"id": "h2", "kind": "post", "options": {"url": "http://127.0.0.1:1/x", "headers": {"a": "b"}}, "match": "changed() == TRUE"})
api("topic_handlers", "create_aggregate", 0, {"id": "h3", "kind": "aggregate", "options": {"interval": "1m", "topic": "agg"}})
api("topic_handlers", "create_publish", 0, {"id": "h4", "kind": "publish", "options": {"topics": ["a", "b"]}})
api("topic_handlers", "create_bad_kind", 0, {"id": "h5", "kind": "nope", "options": {}})
api("topic_handlers", "create_bad_match", 0, {"id": "h6", "kind": "log", "options": {"path": "/dev/null"}, "match": "level() =="})
api("topic_handlers", "put", 1, {"id": "fixture_handler", "kind": "smtp", "options": {"to": ["a@b"]}})
api("topic_handlers", "patch", 2, [{"op": "replace", "path": "/kind", "value": "slack"}, {"op": "add", "path": "/options/channel", "value": "#x"}])
api("topic_handlers", "patch_bad", 2, [{"op": "move", "from": "/nope", "path": "/id"}])
api("topic_handlers", "yaml", 3, "topic: fixture_topic\nid: yaml_h\nkind: tcp\noptions:\n  address: 127.0.0.1:1\n")
api("topic_handlers", "yaml_match", 3, "topic: t2\nid: y2\nkind: log\nmatch: \"level() == CRITICAL\"\noptions: {path: /dev/null}\n")

# replays: 0 POST /replays, 1 /replays/batch, 2 /replays/query
api("replays", "replay", 0, {"id": "r1", "task": "fixture", "recording": "fixture_rec", "clock": "fast", "recording-time": True})
api("replays", "replay_real", 0, {"task": "fixture", "recording": "fixture_rec", "clock": "real"})
api("replays", "replay_unknown", 0, {"task": "fixture", "recording": "nope"})
api("replays", "replay_bad_clock", 0, {"task": "fixture", "recording": "fixture_rec", "clock": "slow"})
api("replays", "batch", 1, {"id": "r2", "task": "fixture_batch", "start": "2020-01-01T00:00:00Z", "stop": "2020-01-01T01:00:00Z", "cluster": "default"})
api("replays", "batch_bad_times", 1, {"task": "fixture_batch", "start": "yesterday", "stop": "0001-01-01T00:00:00Z"})
api("replays", "query", 2, {"task": "fixture_batch", "query": "SELECT * FROM m", "cluster": "", "recording-time": False})

# recordings: 0 stream, 1 batch, 2 query
api("recordings", "stream", 0, {"id": "rec1", "task": "fixture", "stop": "2100-01-01T00:00:00Z"})
api("recordings", "stream_past", 0, {"task": "fixture", "stop": "2000-01-01T00:00:00Z"})
api("recordings", "stream_bad_stop", 0, {"task": "fixture", "stop": "soon"})
api("recordings", "stream_batch_task", 0, {"task": "fixture_batch", "stop": "2100-01-01T00:00:00Z"})
api("recordings", "batch", 1, {"id": "rec2", "task": "fixture_batch", "start": "2020-01-01T00:00:00Z", "stop": "2020-01-02T00:00:00Z"})
api("recordings", "query", 2, {"id": "rec3", "type": "stream", "query": "SELECT * FROM db.rp.m", "cluster": ""})
api("recordings", "query_batch", 2, {"type": "batch", "query": "SELECT mean(v) FROM m WHERE time > now() - 1h GROUP BY time(1m)"})

# config: the byte after the group's pick selects the section (server::overrides::SECTIONS order)
def cfg(name, section_index, body):
    api("config", name, 0, bytes([section_index]) + json.dumps(body).encode())
cfg("influxdb_add", 0, {"add": {"name": "new", "urls": ["http://127.0.0.1:1"], "enabled": False}})
cfg("influxdb_set", 0, {"set": {"default": True}, "element": "default"})
cfg("alerta_set", 1, {"set": {"enabled": True, "url": "http://127.0.0.1:1", "token": "t"}})
cfg("slack_add", 17, {"add": {"workspace": "w2", "url": "http://x"}})
cfg("slack_remove", 17, {"remove": ["w2"]})
cfg("smtp_delete", 13, {"delete": ["password", "nope"]})
cfg("wrong_types", 13, {"set": {"port": "twenty-five", "to": 5}})
cfg("not_object", 9, ["set"])

# users: 0 create, 1 update fixture_user
api("users", "create", 0, {"name": "bob", "password": "pw", "type": "normal", "permissions": ["api", "config_api"]})
api("users", "create_admin", 0, {"name": "root2", "password": "pw", "type": "admin"})
api("users", "create_bad_perm", 0, {"name": "eve", "password": "pw", "type": "normal", "permissions": ["everything"]})
api("users", "create_no_password", 0, {"name": "nopw", "type": "normal"})
api("users", "update_password", 1, {"password": "new"})
api("users", "update_perms", 1, {"permissions": ["write_points"], "type": "admin"})
api("users", "update_bad_type", 1, {"type": "superuser"})

# config TOML
put("config_toml", "empty", "")
put("config_toml", "http", "[http]\n  bind-address = \":9092\"\n  auth-enabled = false\n  shutdown-timeout = \"10s\"\n")
put("config_toml", "influxdb", "[[influxdb]]\n  enabled = true\n  name = \"default\"\n  default = true\n  urls = [\"http://localhost:8086\"]\n  timeout = \"5s\"\n  [influxdb.subscriptions]\n    telegraf = [\"autogen\"]\n  [influxdb.excluded-subscriptions]\n    _kapacitor = [\"autogen\"]\n")
put("config_toml", "handlers", "[smtp]\n  enabled = true\n  host = \"localhost\"\n  port = 25\n  to = [\"a@b\"]\n[[slack]]\n  workspace = \"w\"\n  url = \"http://x\"\n[[mqtt]]\n  name = \"m\"\n  url = \"tcp://localhost:1883\"\n")
put("config_toml", "udf", "[udf]\n[udf.functions]\n  [udf.functions.movavg]\n    prog = \"/usr/bin/python3\"\n    args = [\"-u\", \"x.py\"]\n    timeout = \"10s\"\n    [udf.functions.movavg.env]\n      PYTHONPATH = \"/tmp\"\n")
put("config_toml", "bad_duration", "[http]\nshutdown-timeout = \"10x\"\n")
put("config_toml", "wrong_type", "[http]\nbind-address = 5\n[task]\nsnapshot-interval = true\n")
put("config_toml", "secrets", "[smtp]\n  password = \"${NOPE}\"\n")
put("config_toml", "limits", "[task-limits]\n  max-groups = 10\n[http-limits]\n  max-body-size = 1\n")
put("config_toml", "unknown", "[nope]\nx = 1\n[[influxdb]]\nbogus = true\n")
put("config_toml", "scraper", "[[scraper]]\n  enabled = true\n  name = \"s\"\n  db = \"d\"\n  rp = \"r\"\n  type = \"prometheus\"\n  scheme = \"http\"\n  metrics-path = \"/metrics\"\n  scrape-interval = \"1m0s\"\n  [[scraper.static-configs]]\n    targets = [\"localhost:9100\"]\n")

# recordings
def srpl(name, triples):
    text = "".join(f"{db}\n{rp}\n{line}\n" for db, rp, line in triples)
    put("srpl", name, gzip.compress(text.encode()))
srpl("points", [("db", "rp", f"m,host=a value={i} {i * 1_000_000_000}") for i in range(30)])
srpl("types", [("db", "rp", "m,host=b value=1i,s=\"x\",b=true 0"), ("db", "rp", "m value=-1e300 5"), ("db", "rp", "other x=1 7")])
srpl("bad_lines", [("db", "rp", "m value="), ("db", "", "m value=1 x"), ("", "", "")])
srpl("far_times", [("db", "rp", "m value=11 -9223372036854775806"), ("db", "rp", "m value=12 9223372036854775806")])
put("srpl", "truncated", gzip.compress(b"db\nrp\nm value=1 0\ndb\nrp\n")[:-5])
put("srpl", "not_gzip", b"db\nrp\nm value=1 0\n")

def brpl(name, entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for ename, batches in entries:
            z.writestr(ename, "".join(json.dumps(b) + "\n" for b in batches))
    put("brpl", name, buf.getvalue())
def batch(t, points, tags=None):
    return {"name": "m", "tmax": t, "group": "", "byname": False, "tags": tags or {},
            "points": [{"time": p[0], "fields": {"value": p[1]}, "tags": tags or {}} for p in points]}
brpl("one", [("0", [batch("2020-01-01T00:01:00Z", [("2020-01-01T00:00:30Z", 1.5), ("2020-01-01T00:00:40Z", 3)])])])
brpl("groups", [("0", [batch("2020-01-01T00:01:00Z", [("2020-01-01T00:00:30Z", 1)], {"host": "a"}),
                        batch("2020-01-01T00:02:00Z", [("2020-01-01T00:01:30Z", 2)], {"host": "b"})])])
brpl("bad_entry_name", [("x", [batch("2020-01-01T00:01:00Z", [])])])
brpl("bad_json", [("0", [])])
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("0", "{\"name\":\"m\",\"points\":[{\"time\":\"bad\"}]}\n{not json\n")
    z.writestr("1", "{\"name\":\"m\",\"tmax\":\"2020-01-01T00:00:00Z\",\"points\":[{\"time\":\"2020-01-01T00:00:00Z\",\"fields\":{\"value\":null}}]}\n")
put("brpl", "mixed", buf.getvalue())

# alert templates
for i, t in enumerate([
    "{{ .ID }} is {{ .Level }}",
    "{{ index .Fields \"usage\" | printf \"%.2f\" }} at {{ .Time }}",
    "{{ range $k, $v := .Tags }}{{ $k }}={{ $v }},{{ end }}",
    "{{ if eq .Level \"CRITICAL\" }}crit{{ else if .Fields.ok }}ok{{ else }}other{{ end }}",
    "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" .Name }}",
    "{{ with .Tags.host }}{{ . | html }}{{ end }} {{ .Fields.state | js }} {{ urlquery .Message }}",
    "<a href=\"{{ .Fields.state }}\">{{ .Message }}</a><script>var x = {{ .Tags }};</script>",
    "{{ .Duration }} {{ .Time.Unix }} {{ .ServerInfo.Hostname }} {{ len .Fields }} {{ slice .ID 1 3 }}",
    "{{ $x := 1 }}{{ range .Fields }}{{ $x = 2 }}{{ end }}{{ $x }}",
    "{{ printf \"%v %q %x %08.3f %-5d|\" .Tags .Name .ID 3.14159 42 }}",
    "{{ .Nope }}", "{{ index .Fields }}", "{{ end }}", "{{", "{{ /* comment */ }}", "{{- .ID -}}",
    "{{ template \"missing\" }}", "{{ call .Name }}", "{{ and 1 0 }} {{ or 0 \"\" }} {{ not .Fields.ok }}",
]):
    put("alert_template", f"t{i:02}", t)
