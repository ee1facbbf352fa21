import Foundation
import PackagePlugin

/// Compiles every `bpf/*.c` with clang for the BPF target and embeds each object in the
/// target as `BPFObject.NAME`, so that binaries carry their programs and objects are
/// built, never committed.
@main
struct BPFCompiler: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let bpf = context.package.directoryURL.appending(path: "bpf")
        let files = try FileManager.default.contentsOfDirectory(at: bpf, includingPropertiesForKeys: nil)
        let headers = files.filter { $0.pathExtension == "h" }
        let clang = try Self.clang()
        var commands: [Command] = []
        for source in files.filter({ $0.pathExtension == "c" }).sorted(by: { $0.path < $1.path }) {
            let name = source.deletingPathExtension().lastPathComponent
            let object = context.pluginWorkDirectoryURL.appending(path: "\(name).bpf.o")
            let embed = context.pluginWorkDirectoryURL.appending(path: "BPFObject+\(name).swift")
            commands.append(
                .buildCommand(
                    displayName: "Compiling BPF program \(name).c",
                    executable: clang,
                    arguments: [
                        "-O2", "-g", "-Wall", "-Werror", "-target", "bpf", "-I", bpf.path,
                        "-I/usr/include/x86_64-linux-gnu", "-I/usr/include/aarch64-linux-gnu",
                        "-c", source.path, "-o", object.path,
                    ],
                    inputFiles: [source] + headers,
                    outputFiles: [object]))
            // Base64 in a string literal: cheap to compile, decoded once when loaded.
            let script = """
                { printf '// Generated from bpf/%s.c: the BPF object, base64.\\n' "$3"
                  printf 'extension BPFObject {\\n    static let %s = BPFObject(name: "%s", base64: "' "$3" "$3"
                  base64 -w0 "$1"
                  printf '")\\n}\\n'; } > "$2"
                """
            commands.append(
                .buildCommand(
                    displayName: "Embedding BPF object \(name).bpf.o",
                    executable: URL(fileURLWithPath: "/bin/sh"),
                    arguments: ["-c", script, "sh", object.path, embed.path, name],
                    inputFiles: [object],
                    outputFiles: [embed]))
        }
        return commands
    }

    /// The system's clang (Debian's has the BPF backend); the Swift toolchain's also works.
    static func clang() throws -> URL {
        for path in ["/usr/bin/clang", "/usr/local/bin/clang", "/opt/swift/usr/bin/clang"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw PluginError.noClang
    }

    enum PluginError: Error, CustomStringConvertible {
        case noClang
        var description: String { "clang not found: tools/setup installs it (BPF programs are compiled with clang -target bpf)" }
    }
}
