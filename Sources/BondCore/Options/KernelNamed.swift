/// An option value with the kernel's name for it (`balance-xor`, `layer3+4`): in JSON it
/// is that name, as sysfs prints it and as scripts write it; read back, the name or
/// the kernel's number is accepted.
public protocol KernelNamed: CaseIterable, Sendable {
    var kernelName: String { get }
    /// The kernel's number for the value, where it has one.
    var kernelNumber: Int? { get }
}

extension KernelNamed where Self: RawRepresentable, RawValue == Int {
    public var kernelNumber: Int? { rawValue }
}

/// The Codable of `KernelNamed` values, called from each type's own `encode(to:)` and
/// `init(from:)` (which take precedence over the raw-value coding the enums would get).
public enum KernelNameCoding {
    public static func encode<T: KernelNamed>(_ value: T, to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value.kernelName)
    }

    public static func decode<T: KernelNamed>(_: T.Type, from decoder: any Decoder) throws -> T {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self), let v = T.allCases.first(where: { $0.kernelNumber == n }) { return v }
        let name = try c.decode(String.self)
        guard let v = T.allCases.first(where: { $0.kernelName == name }) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(name)' is not one of \(T.allCases.map(\.kernelName))")
        }
        return v
    }
}

extension BondMode: KernelNamed {
    public var kernelNumber: Int? { rawValue < 100 ? rawValue : nil }
    public init(from decoder: any Decoder) throws { self = try KernelNameCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws { try KernelNameCoding.encode(self, to: encoder) }
}

extension PrimaryReselect: KernelNamed {
    public init(from decoder: any Decoder) throws { self = try KernelNameCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws { try KernelNameCoding.encode(self, to: encoder) }
}

extension FailOverMAC: KernelNamed {
    public init(from decoder: any Decoder) throws { self = try KernelNameCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws { try KernelNameCoding.encode(self, to: encoder) }
}

extension TransmitHashPolicy: KernelNamed {
    public init(from decoder: any Decoder) throws { self = try KernelNameCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws { try KernelNameCoding.encode(self, to: encoder) }
}

extension ARPValidate: KernelNamed {
    public init(from decoder: any Decoder) throws { self = try KernelNameCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws { try KernelNameCoding.encode(self, to: encoder) }
}

extension ARPAllTargets: KernelNamed {
    public init(from decoder: any Decoder) throws { self = try KernelNameCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws { try KernelNameCoding.encode(self, to: encoder) }
}
