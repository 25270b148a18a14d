"""Can an e-mail domain receive mail? Its MX records, else its address record (RFC 5321 §5.1)."""

from __future__ import annotations

from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.resolver

MX_OK, A_FALLBACK, NULL_MX, UNREACHABLE, UNKNOWN = "mx", "a-fallback", "null-mx", "unreachable", "unknown"
REACHABLE = frozenset({MX_OK, A_FALLBACK})


@dataclass(frozen=True)
class MailDomain:
    domain: str
    status: str
    """mx | a-fallback (no MX, mail goes to the A record) | null-mx | unreachable | unknown."""
    hosts: tuple[str, ...]
    detail: str

    @property
    def reachable(self) -> bool | None:
        return None if self.status == UNKNOWN else self.status in REACHABLE


async def check_mail_domain(domain: str, resolver: dns.asyncresolver.Resolver) -> MailDomain:
    try:
        answer = await resolver.resolve(domain, "MX")
        records = sorted(answer, key=lambda r: r.preference)
        hosts = tuple(r.exchange.to_text().rstrip(".") for r in records)
        if hosts in ((), ("",)):
            # RFC 7505: "MX 0 ." says the domain accepts no mail at all.
            return MailDomain(domain, NULL_MX, (), "null MX: the domain declares it accepts no mail")
        return MailDomain(domain, MX_OK, hosts, "MX " + ", ".join(hosts))
    except dns.resolver.NXDOMAIN:
        return MailDomain(domain, UNREACHABLE, (), "unreachable by e-mail: the domain does not exist")
    except dns.resolver.NoAnswer:
        pass
    except dns.exception.DNSException as exc:
        return MailDomain(domain, UNKNOWN, (), f"DNS lookup failed: {type(exc).__name__}")
    for kind in ("A", "AAAA"):
        try:
            await resolver.resolve(domain, kind)
        except dns.resolver.NoAnswer:
            continue
        except dns.resolver.NXDOMAIN:
            break
        except dns.exception.DNSException as exc:
            return MailDomain(domain, UNKNOWN, (), f"DNS lookup failed: {type(exc).__name__}")
        return MailDomain(domain, A_FALLBACK, (domain,), f"no MX; mail goes to the {kind} record")
    return MailDomain(domain, UNREACHABLE, (), "unreachable by e-mail: no MX and no A record")
