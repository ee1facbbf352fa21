// swift-tools-version:6.1
// libFuzzer harnesses for what bondd reads from the outside: frames (parser, every
// mode's per-frame decision, the rewrites), configuration files and option words, and
// the control protocol (request framing and decoding). A package of its own: the
// harnesses are built with -sanitize=fuzzer, which the main build must not be.
// Run: tools/fuzz (see --help).
import PackageDescription

let package = Package(
    name: "bondd-fuzz",
    // Each harness is a static library that tools/fuzz links with libFuzzer's main
    // (an executable target would bring an entry point of its own).
    products: ["FuzzFrames", "FuzzConfiguration", "FuzzControl"].map { .library(name: $0, type: .static, targets: [$0]) },
    targets: [
        // BondCore's own sources (a link to ../Sources/BondCore).
        .target(name: "BondCore", path: "BondCore"),
        // The control protocol's pure parts (links into ../Sources/BondControl).
        .target(name: "BondControlMessages", dependencies: ["BondCore"], path: "BondControlMessages"),
        .target(name: "FuzzFrames", dependencies: ["BondCore"]),
        .target(name: "FuzzConfiguration", dependencies: ["BondCore"]),
        .target(name: "FuzzControl", dependencies: ["BondControlMessages", "BondCore"]),
    ],
    swiftLanguageModes: [.v6]
)
