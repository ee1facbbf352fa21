/// Why a bond could not be set up or kept running: one line for the user.
public struct EngineError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
