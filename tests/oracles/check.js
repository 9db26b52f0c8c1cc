// Reads a JSON array of URIs on stdin and prints a JSON array: what GS1's digital-link.js makes of each.
// Run by tests/oracles/gs1_oracles.py (one node process per batch, not per URI).
const { DigitalLink, Utils } = require('digital-link.js');

const attempt = (fn) => { try { return fn(); } catch (e) { return { error: e.message }; } };

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map((uri) => {
    const compressed = attempt(() => Utils.isCompressedWebUri(uri));
    try {
      const dl = DigitalLink(uri);
      return {
        uri, valid: dl.isValid(), checkDigit: dl.isCheckDigitValid(), identifier: dl.getIdentifier(),
        keyQualifiers: dl.getKeyQualifiers(), order: dl.getKeyQualifiersOrder(), attributes: dl.getAttributes(),
        linkType: dl.getLinkType() || null, isCompressed: compressed,
        compressedForm: attempt(() => dl.toCompressedWebUriString()),
      };
    } catch (e) {
      return { uri, error: e.message, isCompressed: compressed };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
