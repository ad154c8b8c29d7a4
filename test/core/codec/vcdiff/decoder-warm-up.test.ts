import t from 'tap';
import { warmUpDecoder } from '../../../../src/core/codec/vcdiff/decoder-warm-up.js';

t.test('the decoder warm-up decodes its own window exactly (it throws otherwise)', async (t) => {
  t.doesNotThrow(() => warmUpDecoder());
});
