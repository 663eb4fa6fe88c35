/**
 * Colour-vision deficiency simulation for the palette test: Machado, Oliveira and Fernandes
 * (2009) matrices at full severity, applied to linear RGB; WCAG relative luminance and contrast.
 */
export type Vision = 'normal' | 'deuteranopia' | 'protanopia' | 'tritanopia';

const MATRICES: Record<Exclude<Vision, 'normal'>, number[][]> = {
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

function toLinear(hex: string): number[] {
  const n = parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
}

/** Linear RGB as someone with this vision sees it (clamped to the displayable range). */
export function simulate(hex: string, vision: Vision): number[] {
  const rgb = toLinear(hex);
  if (vision === 'normal') return rgb;
  return MATRICES[vision].map((row) =>
    Math.min(1, Math.max(0, row[0]! * rgb[0]! + row[1]! * rgb[1]! + row[2]! * rgb[2]!)),
  );
}

export function luminance(linear: number[]): number {
  return 0.2126 * linear[0]! + 0.7152 * linear[1]! + 0.0722 * linear[2]!;
}

export function contrast(a: number[], b: number[]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
