import BondControlMessages
import BondCore
import Foundation

/// What a client sends to a control socket: cut into lines as the server cuts them (the
/// first byte chooses the size of the pieces the bytes arrive in), decoded as a request,
/// and a decoded request's frame description built as `bondctl hash` builds it. A
/// request that decodes must survive encoding and decoding again unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let piece = Int(data[0] % 64) + 1
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var framer = RequestFramer(limit: 4096)
    var line: [UInt8]?
    var start = 0
    while start < bytes.count, line == nil {
        let end = min(start + piece, bytes.count)
        switch framer.append(bytes[start..<end]) {
        case .line(let l): line = l
        case .tooLarge: return 0
        case .needMore: break
        }
        start = end
    }
    if line == nil, case .line(let l)? = framer.end() { line = l }
    guard let line, let request = try? JSONDecoder().decode(ControlRequest.self, from: Data(line)) else { return 0 }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let encoded = try? encoder.encode(request),
        let again = try? JSONDecoder().decode(ControlRequest.self, from: encoded),
        let reencoded = try? encoder.encode(again)
    else {
        fatalError("a decoded request does not survive a round trip")
    }
    precondition(reencoded == encoded, "a round trip changed the request")
    if let words = request.frame, let frame = try? FrameDescription.build(words) {
        frame.withUnsafeBytes { raw in
            guard case .success(let parsed) = FrameParser.parse(FrameBytes(raw)) else {
                fatalError("bondctl hash built a frame the parser refuses: \(words)")
            }
            _ = TransmitHashPolicy.layer34.hash(parsed)
        }
    }
    if let options = request.options { _ = try? BondOptions.parse(options) }
    return 0
}
