//! The mqtt, snmpTrap and kafka handlers and an HTTPS sideload source through
//! the real `kapacitord`: config file → task → live writes → the messages a
//! real mosquitto subscriber, a real snmptrapd and a capturing Kafka broker
//! receive; and the same services' `/service-tests`.

mod common;

use common::Server;
use serde_json::{json, Value};
use testkit::kafka::KafkaBroker;
use testkit::mosquitto::Mosquitto;
use testkit::snmptrapd::Snmptrapd;

fn config(mqtt: &Mosquitto, snmp: &Snmptrapd, kafka: &KafkaBroker) -> String {
    format!(
        "[[mqtt]]\n  enabled = true\n  name = \"local\"\n  url = \"{}\"\n\n\
         [snmptrap]\n  enabled = true\n  addr = \"{}\"\n  community = \"kapa\"\n\n\
         [[kafka]]\n  enabled = true\n  id = \"local\"\n  brokers = [\"{}\"]\n",
        mqtt.url(),
        snmp.addr(),
        kafka.addr()
    )
}

#[test]
fn alerts_reach_mqtt_snmptrapd_and_kafka_with_sideloaded_thresholds() {
    let mqtt = Mosquitto::start();
    let snmp = Snmptrapd::start();
    let kafka = KafkaBroker::start(2);
    let certs = testkit::tls::Certs::generate();
    let values = tempfile::tempdir().unwrap();
    std::fs::create_dir(values.path().join("host")).unwrap();
    std::fs::write(values.path().join("host/a.yml"), "threshold: 50\n").unwrap();
    let https = testkit::tls::FileServer::start(values.path(), &certs);

    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(&conf, config(&mqtt, &snmp, &kafka)).unwrap();
    let ca = certs.ca.to_string_lossy().into_owned();
    let s = Server::start(
        dir.path(),
        &[("SSL_CERT_FILE", &ca)],
        &["-config", conf.to_str().unwrap()],
    );
    let sub = mqtt.subscribe("alerts/#");

    let script = format!(
        "dbrp \"db\".\"rp\"\n\
         stream\n    |from()\n        .measurement('cpu')\n\
         \x20   |sideload()\n        .source('https://127.0.0.1:{port}')\n        .order('host/{{{{.host}}}}.yml')\n        .field('threshold', 0.0)\n\
         \x20   |alert()\n        .id('cpu:{{{{index .Tags \"host\"}}}}')\n        .message('{{{{.ID}}}} is {{{{.Level}}}}')\n        .crit(lambda: \"usage\" > \"threshold\")\n\
         \x20       .mqtt('alerts/cpu')\n            .qos(1)\n\
         \x20       .snmpTrap('1.3.6.1.4.1.1')\n            .data('1.3.6.1.4.1.1.1', 's', '{{{{.Message}}}}')\n\
         \x20       .kafka()\n            .cluster('local')\n            .kafkaTopic('alerts')\n",
        port = https.port()
    );
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "wire", "script": script, "status": "enabled"}),
    );
    assert_eq!(st, 200, "{t}");

    // 90 > 50 (the sideloaded threshold): CRITICAL; then 10: OK.
    assert_eq!(
        s.call(
            "POST",
            "/write?db=db&rp=rp&precision=s",
            Some(b"cpu,host=a usage=90 1\n")
        )
        .0,
        204
    );
    let crit = sub.next();
    assert_eq!(crit.topic, "alerts/cpu");
    assert_eq!(crit.payload, b"cpu:a is CRITICAL");
    assert_eq!((crit.qos, crit.retained), (1, false));
    let trap = snmp.next_trap();
    assert_eq!(trap[1], ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.1");
    assert_eq!(trap[2], ".1.3.6.1.4.1.1.1 = STRING: \"cpu:a is CRITICAL\"");

    s.call(
        "POST",
        "/write?db=db&rp=rp&precision=s",
        Some(b"cpu,host=a usage=10 2\n"),
    );
    assert_eq!(sub.next().payload, b"cpu:a is OK");
    assert_eq!(
        snmp.next_trap()[2],
        ".1.3.6.1.4.1.1.1 = STRING: \"cpu:a is OK\""
    );

    let recs = kafka.wait_records(2);
    for (r, level) in recs.iter().zip(["CRITICAL", "OK"]) {
        assert_eq!(r.topic, "alerts");
        assert_eq!(r.key.as_deref(), Some(&b"cpu:a"[..]));
        let body = String::from_utf8(r.value.clone().unwrap()).unwrap();
        assert!(body.ends_with('\n'), "json.Encoder's newline: {body:?}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["id"], "cpu:a");
        assert_eq!(v["level"], level);
        assert_eq!(v["message"], format!("cpu:a is {level}"));
        let series = &v["data"]["series"][0];
        let cols: Vec<&str> = series["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(
            cols,
            ["time", "threshold", "usage"],
            "sideloaded field included"
        );
        let usage = if level == "OK" { 10.0 } else { 90.0 };
        let row = &series["values"][0];
        let t = if level == "OK" {
            "1970-01-01T00:00:02Z"
        } else {
            "1970-01-01T00:00:01Z"
        };
        assert_eq!(row[0], t);
        // Go writes the float 50.0 as `50`.
        assert_eq!(
            (row[1].as_f64(), row[2].as_f64()),
            (Some(50.0), Some(usage))
        );
    }

    // Kapacitor's `kafka` statistic per (cluster, topic).
    let (_, vars) = s.get("/kapacitor/v1/debug/vars");
    let stat = vars["kapacitor"]
        .as_object()
        .unwrap()
        .values()
        .find(|v| v["name"] == "kafka" && v["tags"]["cluster"] == "local")
        .expect("kafka stat")
        .clone();
    assert_eq!(stat["tags"]["topic"], "alerts");
    assert_eq!(
        stat["values"],
        json!({"write_errors": 0, "write_messages": 2})
    );
}

#[test]
fn service_tests_send_through_the_same_handlers() {
    let mqtt = Mosquitto::start();
    let snmp = Snmptrapd::start();
    let kafka = KafkaBroker::start(1);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(&conf, config(&mqtt, &snmp, &kafka)).unwrap();
    let s = Server::start(dir.path(), &[], &["-config", conf.to_str().unwrap()]);

    // Kapacitor's default options, in its key order (the raw text: a parsed
    // `Value` would sort the keys).
    let (_, text) = s.call("GET", "/kapacitor/v1/service-tests?pattern=*", None);
    let compact: String = text.split_whitespace().collect();
    for want in [
        r#""options":{"broker-name":"local","topic":"","message":"testMQTTmessage","qos":"at-most-once","retained":false}"#,
        r#""options":{"trap-oid":"1.1.1.1","data-list":[{"oid":"1.1.1.1.2","type":"s","value":"testsnmptrapmessage"}]}"#,
        r#""options":{"cluster":"example","topic":"test","key":"key","message":"testkafkamessage"}"#,
    ] {
        assert!(compact.contains(want), "{want} in {text}");
    }

    // The default mqtt options have no topic: Kapacitor's error.
    let (st, r) = s.json("POST", "/kapacitor/v1/service-tests/mqtt", json!({}));
    assert_eq!(st, 200);
    assert_eq!(
        r,
        json!({"success": false, "message": "missing MQTT topic"})
    );

    let sub = mqtt.subscribe("svc");
    let (_, r) = s.json(
        "POST",
        "/kapacitor/v1/service-tests/mqtt",
        json!({"topic": "svc", "qos": "exactly-one", "retained": true}),
    );
    assert_eq!(r, json!({"success": true, "message": ""}));
    let got = sub.next();
    assert_eq!(got.payload, b"test MQTT message");
    assert_eq!(got.qos, 2);

    let (_, r) = s.json("POST", "/kapacitor/v1/service-tests/snmptrap", json!({}));
    assert_eq!(r, json!({"success": true, "message": ""}));
    let trap = snmp.next_trap();
    assert_eq!(trap[1], ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.1.1.1");
    assert_eq!(trap[2], ".1.1.1.1.2 = STRING: \"test snmptrap message\"");

    let (_, r) = s.json(
        "POST",
        "/kapacitor/v1/service-tests/kafka",
        json!({"cluster": "local"}),
    );
    assert_eq!(r, json!({"success": true, "message": ""}));
    let rec = &kafka.wait_records(1)[0];
    assert_eq!(rec.topic, "test");
    assert_eq!(rec.key.as_deref(), Some(&b"key"[..]));
    assert_eq!(rec.value.as_deref(), Some(&b"test kafka message"[..]));
}

#[test]
fn blacklisted_networks_are_refused_by_the_wire_handlers() {
    let mqtt = Mosquitto::start();
    let snmp = Snmptrapd::start();
    let kafka = KafkaBroker::start(1);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(&conf, config(&mqtt, &snmp, &kafka)).unwrap();
    let s = Server::start(
        dir.path(),
        &[],
        &[
            "-config",
            conf.to_str().unwrap(),
            "-blacklist-cidrs",
            "127.0.0.0/8",
        ],
    );
    for (name, body) in [
        ("mqtt", json!({"topic": "t"})),
        ("snmptrap", json!({})),
        ("kafka", json!({"cluster": "local"})),
    ] {
        let (st, r) = s.json("POST", &format!("/kapacitor/v1/service-tests/{name}"), body);
        assert_eq!(st, 200);
        assert_eq!(r["success"], false, "{name}: {r}");
        let msg = r["message"].as_str().unwrap();
        assert!(
            msg.contains("is in blacklisted network 127.0.0.0/8"),
            "{name}: {msg}"
        );
    }
    assert!(
        kafka.requests().is_empty(),
        "the broker was never contacted"
    );
}
