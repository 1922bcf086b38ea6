//! A user network's name service, answered by its hub at the gateway's port 53 (as docker's
//! embedded DNS and podman's aardvark-dns answer theirs): a member's name, hostname, aliases
//! and short id resolve to its address on the network, at once for members started later;
//! other names are forwarded to the host's resolvers (not on an internal network). Messages
//! are parsed and built by the simple-dns crate.

use std::net::Ipv4Addr;

use simple_dns::rdata::{A, RData};
use simple_dns::{CLASS, Packet, PacketFlag, QTYPE, RCODE, ResourceRecord, TYPE};

/// How long an answer may be kept: short, as members come and go.
const TTL: u32 = 10;

/// What to do with a query.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Send this reply.
    Reply(Vec<u8>),
    /// Not a name of the network: ask the host's resolvers.
    Forward,
}

/// The answer to `query`, with `lookup` finding a member's address by name (lower case, no
/// trailing dot); `forward` whether other names may go to the host's resolvers (else they do
/// not exist). None for what is no query (dropped, as resolvers do with garbage).
pub fn answer(
    query: &[u8],
    lookup: impl Fn(&str) -> Vec<Ipv4Addr>,
    forward: bool,
) -> Option<Answer> {
    let packet = Packet::parse(query).ok()?;
    if packet.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    let question = packet.questions.first()?;
    let name = question
        .qname
        .to_string()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let found = lookup(&name);
    if found.is_empty() && forward {
        return Some(Answer::Forward);
    }
    let mut reply = Packet::new_reply(packet.id());
    reply.set_flags(PacketFlag::RECURSION_AVAILABLE);
    if packet.has_flags(PacketFlag::RECURSION_DESIRED) {
        reply.set_flags(PacketFlag::RECURSION_DESIRED);
    }
    reply.questions.push(question.clone());
    match found.is_empty() {
        false => {
            reply.set_flags(PacketFlag::AUTHORITATIVE_ANSWER);
            // The name has only IPv4 addresses (several when members share an alias: each
            // replica of a compose service): other types are answered empty, not as missing,
            // so that a resolver asking AAAA and A at once takes the A.
            if matches!(question.qtype, QTYPE::TYPE(TYPE::A) | QTYPE::ANY) {
                for address in found {
                    reply.answers.push(ResourceRecord::new(
                        question.qname.clone(),
                        CLASS::IN,
                        TTL,
                        RData::A(A::from(address)),
                    ));
                }
            }
        }
        true => *reply.rcode_mut() = RCODE::NameError,
    }
    reply.build_bytes_vec().ok().map(Answer::Reply)
}

/// The id of a DNS message, and the message with another id.
pub fn id_of(message: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*message.first()?, *message.get(1)?]))
}

pub fn with_id(message: &[u8], id: u16) -> Vec<u8> {
    let mut out = message.to_vec();
    if out.len() >= 2 {
        out[..2].copy_from_slice(&id.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use simple_dns::{Name, Question};

    fn query(name: &str, qtype: TYPE) -> Vec<u8> {
        let mut q = Packet::new_query(0x1234);
        q.set_flags(PacketFlag::RECURSION_DESIRED);
        q.questions.push(Question::new(
            Name::new_unchecked(name),
            qtype.into(),
            CLASS::IN.into(),
            false,
        ));
        q.build_bytes_vec().unwrap()
    }

    #[test]
    fn members_resolve_and_the_rest_is_forwarded_or_missing() {
        let lookup = |n: &str| match n {
            "db" => vec![Ipv4Addr::new(10, 89, 0, 2)],
            "web" => vec![Ipv4Addr::new(10, 89, 0, 3), Ipv4Addr::new(10, 89, 0, 4)],
            _ => Vec::new(),
        };
        let Some(Answer::Reply(bytes)) = answer(&query("DB.", TYPE::A), lookup, true) else {
            panic!("no reply");
        };
        let reply = Packet::parse(&bytes).unwrap();
        assert_eq!(reply.id(), 0x1234);
        assert!(reply.has_flags(PacketFlag::RESPONSE));
        assert_eq!(reply.answers.len(), 1);
        assert_eq!(
            reply.answers[0].rdata,
            RData::A(A::from(Ipv4Addr::new(10, 89, 0, 2)))
        );
        let Some(Answer::Reply(bytes)) = answer(&query("db", TYPE::AAAA), lookup, true) else {
            panic!("no reply");
        };
        let reply = Packet::parse(&bytes).unwrap();
        assert!(reply.answers.is_empty());
        assert_eq!(reply.rcode(), RCODE::NoError);
        assert_eq!(
            answer(&query("example.org", TYPE::A), lookup, true),
            Some(Answer::Forward)
        );
        let Some(Answer::Reply(bytes)) = answer(&query("example.org", TYPE::A), lookup, false)
        else {
            panic!("no reply");
        };
        assert_eq!(Packet::parse(&bytes).unwrap().rcode(), RCODE::NameError);
        // Replicas sharing a name: every address.
        let Some(Answer::Reply(bytes)) = answer(&query("web", TYPE::A), lookup, true) else {
            panic!("no reply");
        };
        assert_eq!(Packet::parse(&bytes).unwrap().answers.len(), 2);
        assert_eq!(answer(b"\x00garbage", lookup, true), None);
        assert_eq!(id_of(&with_id(&query("db", TYPE::A), 7)), Some(7));
    }
}
