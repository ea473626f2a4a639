// Trends and top categories with ECharts, importing only the parts used (echarts/core).
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const TEXT = '#cfe3f7';
const AXIS = '#3b5773';

/** Pixels of one rem: every size scales with the screen (16 px at 1920 wide, 32 at 3840). */
function rem() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize);
}

function chart(node) {
  const instance = echarts.init(node, null, { renderer: 'canvas' });
  window.addEventListener('resize', () => instance.resize());
  return instance;
}

export class Charts {
  constructor(trendNode, categoryNode) {
    this.trend = chart(trendNode);
    this.categories = chart(categoryNode);
  }

  /** The last 30 days: reported and closed per day. */
  renderTrend(rows, t) {
    const r = rem();
    const font = { color: TEXT, fontSize: 0.75 * r };
    this.trend.setOption({
      animation: false,
      grid: { left: 2.4 * r, right: 0.8 * r, top: 2 * r, bottom: 1.6 * r },
      legend: { data: [t('reported'), t('closed')], textStyle: font, top: 0, itemWidth: r, itemHeight: 0.6 * r },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: rows.map((d) => d.period.slice(5)), axisLabel: font, axisLine: { lineStyle: { color: AXIS } } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: font, splitLine: { lineStyle: { color: AXIS, opacity: 0.4 } } },
      series: [
        { name: t('reported'), type: 'line', smooth: true, symbol: 'none', data: rows.map((d) => d.reported), lineStyle: { width: 0.15 * r, color: '#4fc3f7' }, itemStyle: { color: '#4fc3f7' }, areaStyle: { color: 'rgba(79,195,247,0.15)' } },
        { name: t('closed'), type: 'line', smooth: true, symbol: 'none', data: rows.map((d) => d.closed), lineStyle: { width: 0.15 * r, color: '#7ee0a1' }, itemStyle: { color: '#7ee0a1' } },
      ],
    }, true);
  }

  /** The year's most reported categories, largest on top. */
  renderCategories(rows, lang) {
    const r = rem();
    const font = { color: TEXT, fontSize: 0.8 * r };
    const ordered = [...rows].reverse();
    const labels = ordered.map((c) => (lang === 'en' ? c.name_en || c.name || c.key : c.name || c.key));
    // the names drawn (the chart is a canvas): for people's tools and the browser tests
    this.categories.getDom().dataset.labels = JSON.stringify(labels);
    this.categories.setOption({
      animation: false,
      grid: { left: 0.5 * r, right: 3.5 * r, top: 0.3 * r, bottom: 0.3 * r, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', show: false },
      yAxis: { type: 'category', data: labels, axisLabel: font, axisLine: { show: false }, axisTick: { show: false } },
      series: [{ type: 'bar', data: ordered.map((c) => c.reported), barWidth: '55%', barMaxWidth: 1.6 * r, itemStyle: { color: '#f0a23c', borderRadius: [0, 0.3 * r, 0.3 * r, 0] }, label: { show: true, position: 'right', color: TEXT, fontSize: 0.8 * r, formatter: (p) => Number(p.value).toLocaleString('en-US') } }],
    }, true);
  }

  resize() {
    this.trend.resize();
    this.categories.resize();
  }
}
