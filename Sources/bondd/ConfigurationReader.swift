import BondCore
import Foundation
import Glibc

/// Reads a configuration file whole or refuses it with one line: never a part of it
/// (a truncated `miimon=1000` would read as 10), never a binary file echoed.
enum ConfigurationReader {
    /// Far above any real file (a thousand bonds fit in 100 KiB).
    static let limit = 1 << 20

    /// The bonds of the file at `path`; with `only`, that bond's section alone (one
    /// bond of a shared file, as the bondd@BOND service runs it).
    static func bonds(at path: String, only: String? = nil) -> Result<[BondConfiguration], ConfigurationReadError> {
        let bytes: [UInt8]
        switch readWhole(path) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(e)
        }
        do {
            let text = try ConfigurationFile.text(of: bytes, file: path)
            let bonds = try ConfigurationFile.parse(text, file: path)
            if bonds.isEmpty { return .failure(ConfigurationReadError(message: "\(path): no bonds declared ([NAME] sections)")) }
            if let only {
                let one = bonds.filter { $0.name == only }
                if one.isEmpty {
                    return .failure(
                        ConfigurationReadError(
                            message: "\(path): no [\(only)] section (it declares \(bonds.map(\.name).joined(separator: ", ")))"))
                }
                return .success(one)
            }
            return .success(bonds)
        } catch {
            return .failure(ConfigurationReadError(message: error.description))
        }
    }

    private static func readWhole(_ path: String) -> Result<[UInt8], ConfigurationReadError> {
        func failure(_ m: String) -> Result<[UInt8], ConfigurationReadError> { .failure(ConfigurationReadError(message: "\(path): \(m)")) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return failure("cannot read (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return failure("cannot read (\(String(cString: strerror(errno))))") }
        if st.st_mode & S_IFMT == S_IFDIR { return failure("is a directory, not a configuration file") }
        if st.st_mode & S_IFMT == S_IFREG && Int(st.st_size) > limit {
            return failure("too large (\(st.st_size) bytes; a configuration file is at most 1 MiB)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return failure("cannot read (\(String(cString: strerror(errno))))") }
            if n == 0 { return .success(bytes) }
            bytes += chunk[0..<n]
            // A pipe or a file that grows while read: refused the same way.
            if bytes.count > limit { return failure("too large (more than 1 MiB)") }
        }
    }
}

struct ConfigurationReadError: Error {
    var message: String
}
