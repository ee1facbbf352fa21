/// A refusal at run time (a file that cannot be read, options the daemon refuses):
/// one line on standard error, exit status 1, no usage text.
struct BondSimError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
