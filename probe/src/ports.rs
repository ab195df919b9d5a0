//! Readable names for the ports deployments and Octopus use, so a report says
//! "SQL Server" where a person would, not only "1433".

/// The usual service on a TCP port, when it is one a migration meets.
pub fn port_name(port: u16) -> Option<&'static str> {
    Some(match port {
        22 => "SSH",
        80 => "HTTP",
        443 => "HTTPS",
        445 => "SMB",
        1433 => "SQL Server",
        1521 => "Oracle",
        3306 => "MySQL",
        3389 => "RDP",
        5432 => "PostgreSQL",
        5985 => "WinRM (HTTP)",
        5986 => "WinRM (HTTPS)",
        6443 => "Kubernetes API",
        10933 => "Tentacle (listening)",
        10943 => "Octopus polling",
        _ => return None,
    })
}

/// `SQL Server, TCP 1433`, or `TCP 8080` for a port without a name.
pub fn describe_port(port: u16) -> String {
    match port_name(port) {
        Some(name) => format!("{name}, TCP {port}"),
        None => format!("TCP {port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ports_deployments_touch_have_names() {
        for (port, name) in [
            (1433, "SQL Server"),
            (5432, "PostgreSQL"),
            (3306, "MySQL"),
            (445, "SMB"),
            (5985, "WinRM (HTTP)"),
            (5986, "WinRM (HTTPS)"),
            (22, "SSH"),
            (6443, "Kubernetes API"),
        ] {
            assert_eq!(port_name(port), Some(name));
        }
        assert_eq!(describe_port(1433), "SQL Server, TCP 1433");
        assert_eq!(describe_port(8080), "TCP 8080");
    }
}
