import BondCore
@testable import BondEngine
import Foundation
import Testing

/// `show --json` against docs/bond-status.schema.json, the control protocol's one
/// schema: every key the engine writes is documented, every documented key is there,
/// with the documented type, in every mode and with the ARP/NS monitor.
@Suite struct StatusSchemaTests {
    static let schema: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/bond-status.schema.json")
        return try! JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }()

    static func json(_ status: BondStatus) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(status))
    }

    @Test(arguments: [
        ["mode=balance-rr"], ["mode=active-backup", "miimon=100", "primary=eth0"], ["mode=balance-xor", "xmit_hash_policy=layer3+4"],
        ["mode=broadcast"], ["mode=balance-tlb"], ["mode=balance-alb"], ["mode=balance-slb"], ["mode=balance-xor", "vlans=2,3:lan"],
        ["mode=active-backup", "arp_interval=100", "arp_ip_target=192.0.2.9", "arp_validate=all"],
        ["mode=active-backup", "busy_poll=50"],
    ])
    func statusFollowsTheSchema(_ words: [String]) throws {
        let b = try EmbeddedBond(words)
        let problems = SchemaCheck.problems(try Self.json(b.status), Self.schema, at: "$")
        #expect(problems.isEmpty, "\(words): \(problems.joined(separator: "; "))")
    }

    /// The engine thread's place, which only a running loop reports (null above).
    @Test func theEngineThreadFollowsTheSchema() throws {
        var status = try EmbeddedBond(["mode=active-backup", "engine_cpus=1"]).status
        status.engineThread = EngineThreadStatus(id: 4242, cpus: "1", cpu: 1)
        let problems = SchemaCheck.problems(try Self.json(status), Self.schema, at: "$")
        #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
    }

    @Test func everyOptionIsPresentByItsKernelName() throws {
        let b = try EmbeddedBond(["mode=active-backup", "miimon=100"])
        guard case .object(let status) = try Self.json(b.status), case .object(let options)? = status["options"] else {
            Issue.record("no options object"); return
        }
        #expect(options["xmit_hash_policy"] == .string("layer2"))
        #expect(options["mode"] == .string("active-backup"))
        #expect(options["primary"] == .null, "unset is null, not absent")
        for name in [
            "miimon", "updelay", "downdelay", "arp_interval", "arp_ip_target", "ns_ip6_target", "num_grat_arp",
            "fail_over_mac", "primary_reselect", "all_slaves_active", "resend_igmp", "lp_interval", "backend",
        ] {
            #expect(options.keys.contains(name), "\(name)")
        }
    }
}

/// A JSON document as it is: null, true and 1 stay apart.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.rounded() == n ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// The part of JSON Schema the status schema uses: type, enum, const, required,
/// properties, additionalProperties, items.
enum SchemaCheck {
    static func problems(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        guard case .object(let s) = schema else { return [] }
        var out: [String] = []
        if let t = s["type"] {
            var allowed: [String] = []
            if case .string(let one) = t { allowed = [one] }
            if case .array(let many) = t { allowed = many.compactMap { if case .string(let x) = $0 { x } else { nil } } }
            let ok = allowed.contains(value.kind) || (value.kind == "integer" && allowed.contains("number"))
            guard ok else { return ["\(path): \(value.kind) is not \(allowed)"] }
        }
        if case .array(let values)? = s["enum"], !values.contains(value) { out.append("\(path): \(value) is not one of the enum") }
        if let c = s["const"], c != value { out.append("\(path): \(value) is not \(c)") }
        if case .object(let object) = value {
            if case .array(let required)? = s["required"] {
                for case .string(let r) in required where object[r] == nil { out.append("\(path).\(r): missing") }
            }
            var properties: [String: JSONValue] = [:]
            if case .object(let p)? = s["properties"] { properties = p }
            for (k, v) in object {
                if let p = properties[k] {
                    out += problems(v, p, at: "\(path).\(k)")
                } else if case .object? = s["additionalProperties"] {
                    out += problems(v, s["additionalProperties"]!, at: "\(path).\(k)")
                } else if s["additionalProperties"] == .bool(false) {
                    out.append("\(path).\(k): not in the schema")
                }
            }
        }
        if case .array(let array) = value, let items = s["items"] {
            for (n, v) in array.enumerated() { out += problems(v, items, at: "\(path)[\(n)]") }
        }
        return out
    }
}
