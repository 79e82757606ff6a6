//! The alert handler catalog (§4.4 handler table): each handler's call
//! arguments and its own properties. A handler's property shadows an alert
//! property of the same name; every other alert property stays callable on
//! the handler object (`.slack().channel('#a').crit(λ)`).

use super::nodes::{field, flag, prop, prop_acc, prop_d, Params, PropSpec, BOOL, DUR, INT, STR};
use super::HandlerKind;

pub struct HandlerSpec {
    pub kind: HandlerKind,
    pub args: Params,
    pub props: &'static [PropSpec],
}

impl HandlerSpec {
    pub fn prop(&self, name: &str) -> Option<&'static PropSpec> {
        self.props.iter().find(|p| p.name == name)
    }
}

const fn h(kind: HandlerKind, args: Params, props: &'static [PropSpec]) -> HandlerSpec {
    HandlerSpec { kind, args, props }
}

pub static HANDLERS: &[HandlerSpec] = &[
    h(
        HandlerKind::Post,
        Params::optional(&[STR], 0),
        &[
            field("endpoint", &[STR]),
            prop_acc("header", Params::exact(&[STR, STR])),
            flag("captureResponse"),
            field("timeout", &[DUR]),
            flag("skipSSLVerification"),
        ],
    ),
    h(HandlerKind::Tcp, Params::exact(&[STR]), &[]),
    h(
        HandlerKind::Email,
        Params::variadic(&[], STR),
        &[
            prop_acc("to", Params::variadic(&[STR], STR)),
            prop_acc("toTemplates", Params::variadic(&[STR], STR)),
        ],
    ),
    h(HandlerKind::Exec, Params::variadic(&[STR], STR), &[]),
    h(
        HandlerKind::Log,
        Params::exact(&[STR]),
        &[prop_d("mode", Params::exact(&[INT]), "0600")],
    ),
    h(
        HandlerKind::VictorOps,
        Params::NONE,
        &[field("routingKey", &[STR])],
    ),
    h(
        HandlerKind::PagerDuty,
        Params::NONE,
        &[field("serviceKey", &[STR])],
    ),
    h(
        HandlerKind::PagerDuty2,
        Params::NONE,
        &[
            field("routingKey", &[STR]),
            field("serviceKey", &[STR]),
            prop_acc("link", Params::optional(&[STR, STR], 1)),
        ],
    ),
    h(
        HandlerKind::Pushover,
        Params::NONE,
        &[
            field("userKey", &[STR]),
            field("device", &[STR]),
            field("title", &[STR]),
            field("uRL", &[STR]),
            field("uRLTitle", &[STR]),
            field("sound", &[STR]),
        ],
    ),
    h(
        HandlerKind::Sensu,
        Params::NONE,
        &[
            field("source", &[STR]),
            prop("handlers", Params::variadic(&[], STR)),
            prop_acc(
                "metadata",
                Params::exact(&[
                    STR,
                    &[
                        super::nodes::P::String,
                        super::nodes::P::Int,
                        super::nodes::P::Float,
                        super::nodes::P::Bool,
                    ],
                ]),
            ),
        ],
    ),
    h(
        HandlerKind::Slack,
        Params::NONE,
        &[
            field("workspace", &[STR]),
            field("channel", &[STR]),
            field("username", &[STR]),
            field("iconEmoji", &[STR]),
        ],
    ),
    h(
        HandlerKind::Discord,
        Params::NONE,
        &[
            field("workspace", &[STR]),
            field("username", &[STR]),
            field("avatarURL", &[STR]),
            field("embedTitle", &[STR]),
            // Kapacitor's topic-handler option `timestamp`.
            flag("timestamp"),
        ],
    ),
    h(
        HandlerKind::BigPanda,
        Params::NONE,
        &[
            field("appKey", &[STR]),
            field("host", &[STR]),
            field("primaryProperty", &[STR]),
            field("secondaryProperty", &[STR]),
            prop_acc("attribute", Params::exact(&[STR, STR])),
        ],
    ),
    h(
        HandlerKind::Telegram,
        Params::NONE,
        &[
            field("chatId", &[STR]),
            field("parseMode", &[STR]),
            flag("disableWebPagePreview"),
            flag("disableNotification"),
        ],
    ),
    h(
        HandlerKind::HipChat,
        Params::NONE,
        &[field("room", &[STR]), field("token", &[STR])],
    ),
    h(
        HandlerKind::Alerta,
        Params::NONE,
        &[
            field("token", &[STR]),
            field("resource", &[STR]),
            field("event", &[STR]),
            field("environment", &[STR]),
            field("group", &[STR]),
            field("value", &[STR]),
            field("origin", &[STR]),
            prop("services", Params::variadic(&[], STR)),
            prop("correlated", Params::variadic(&[], STR)),
            prop_acc("attribute", Params::exact(&[STR, STR])),
            field("timeout", &[DUR]),
        ],
    ),
    h(
        HandlerKind::OpsGenie,
        Params::NONE,
        &[
            prop("teams", Params::variadic(&[], STR)),
            prop("recipients", Params::variadic(&[], STR)),
        ],
    ),
    h(
        HandlerKind::OpsGenie2,
        Params::NONE,
        &[
            prop("teams", Params::variadic(&[], STR)),
            prop("recipients", Params::variadic(&[], STR)),
            field("recoveryAction", &[STR]),
            flag("details"),
        ],
    ),
    h(HandlerKind::Talk, Params::NONE, &[]),
    h(
        HandlerKind::Mqtt,
        Params::exact(&[STR]),
        &[
            field("brokerName", &[STR]),
            field("topic", &[STR]),
            field("qos", &[INT]),
            field("retained", &[BOOL]),
        ],
    ),
    h(
        HandlerKind::SnmpTrap,
        Params::exact(&[STR]),
        &[prop_acc("data", Params::exact(&[STR, STR, STR]))],
    ),
    h(
        HandlerKind::Kafka,
        Params::NONE,
        &[
            field("cluster", &[STR]),
            field("kafkaTopic", &[STR]),
            flag("disablePartitionById"),
            prop_d("partitionHashAlgorithm", Params::exact(&[STR]), "crc32"),
            field("template", &[STR]),
        ],
    ),
    h(
        HandlerKind::Teams,
        Params::NONE,
        &[field("channelURL", &[STR])],
    ),
    h(
        HandlerKind::ServiceNow,
        Params::NONE,
        &[
            field("uRL", &[STR]),
            field("username", &[STR]),
            field("password", &[STR]),
            field("source", &[STR]),
            field("node", &[STR]),
            field("type", &[STR]),
            field("resource", &[STR]),
            field("metricName", &[STR]),
            field("messageKey", &[STR]),
            prop_acc("additionalInfo", Params::exact(&[STR, STR])),
        ],
    ),
    h(
        HandlerKind::Zenoss,
        Params::NONE,
        &[
            field("uRL", &[STR]),
            field("username", &[STR]),
            field("password", &[STR]),
            field("action", &[STR]),
            field("method", &[STR]),
            field("type", &[STR]),
            field("tid", &[INT]),
            field("collector", &[STR]),
            prop_d("summary", Params::exact(&[STR]), "{{ .Message }}"),
            field("device", &[STR]),
            field("component", &[STR]),
            field("eventClassKey", &[STR]),
            field("eventClass", &[STR]),
            field("message", &[STR]),
            prop_acc("customField", Params::exact(&[STR, STR])),
        ],
    ),
    // An addition beyond Kapacitor: Prometheus Alertmanager v2 alerts.
    h(
        HandlerKind::Alertmanager,
        Params::NONE,
        &[
            prop_acc("label", Params::exact(&[STR, STR])),
            prop_acc("annotation", Params::exact(&[STR, STR])),
        ],
    ),
];

pub fn spec(kind: HandlerKind) -> &'static HandlerSpec {
    HANDLERS
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("handler catalog has no entry for {kind:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_has_exactly_one_spec() {
        for &k in HandlerKind::ALL {
            assert_eq!(HANDLERS.iter().filter(|s| s.kind == k).count(), 1, "{k:?}");
        }
    }
}
