import { loadMnistDigits } from '@flow/data';
import { FeatureStatistics, MnistExtractor } from '@flow/fid';
const { digits } = loadMnistDigits();
const ext = new MnistExtractor();
const u = new Float32Array(digits.length); for (let i=0;i<u.length;i++) u[i]=(digits[i]+1)/2;
const acc = new FeatureStatistics(64);
for (let s=0;s<10000;s+=500){ const f = await ext.extract({data:u.subarray(s*784,(s+500)*784),count:500,height:28,width:28,channels:1}); acc.add(f); if (s%2000===0) console.log(s, f.length);}
console.log(acc.stats().mu.length);
