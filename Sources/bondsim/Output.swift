import ArgumentParser
import BondSim
import Foundation

/// Writing results: JSON and CSV on standard output, plots to files.
enum Output {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    /// Writes `svg` to `path`; a .png goes through rsvg-convert.
    static func plot(_ svg: String, to path: String) throws {
        if path.hasSuffix(".svg") {
            try write(svg, to: path)
            return
        }
        let temporary = NSTemporaryDirectory() + "bondsim-\(getpid()).svg"
        try write(svg, to: temporary)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        guard let tool = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first(where: FileManager.default.isExecutableFile) else {
            throw BondSimError("--plot \(path): PNG needs rsvg-convert (apt-get install librsvg2-bin); .svg needs nothing")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-o", path, temporary]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BondSimError("--plot \(path): rsvg-convert failed (exit \(p.terminationStatus))") }
    }

    static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { throw BondSimError("\(path): cannot write the file") }
    }
}
