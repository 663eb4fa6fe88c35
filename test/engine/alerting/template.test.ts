import { describe, expect, it } from 'vitest';
import { expandTemplate } from '../../../src/engine/alerting/template.ts';

describe('annotation templates', () => {
  it('expands $labels and $value as Prometheus does', () => {
    expect(expandTemplate('{{ $labels.instance }} answers in {{$value}} ms', { instance: 'hk-api' }, 612.345)).toBe(
      'hk-api answers in 612.35 ms',
    );
  });

  it('expands a missing label to nothing and leaves other template syntax as written', () => {
    expect(expandTemplate('[{{ $labels.team }}] {{ .Foo }}', {}, null)).toBe('[] {{ .Foo }}');
  });
});
