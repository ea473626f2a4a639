// The big screen's words in Chinese (default) and English; numbers are formatted here too, so a
// tile reads the same in both languages ("1,234", "98.2%").
import { translator } from '../common/i18n.js';

const WORDS = {
  zh: {
    title: '网格化服务管理指挥中心',
    district: '全区', street: '街道', community: '社区', grid: '网格',
    measure: '着色', incidents: '事件数', settlement: '结案率', overdue: '超期', coverage: '人员覆盖', hotspot: '热点',
    kpiReported: '今日上报', kpiClosed: '今日办结', kpiOverdue: '超期未办', kpiSettlement: '年度结案率', kpiOnTime: '按期办结率',
    trend: '近30日趋势', reported: '上报', closed: '办结', onTime: '按期',
    topCategories: '高发事件类别',
    areaRanking: '街道红黑榜', areaRanking_street: '社区红黑榜', areaRanking_community: '网格红黑榜', areaRanking_grid: '网格红黑榜',
    deptRanking: '部门红黑榜', red: '红榜', black: '黑榜',
    rank: '名次', name: '名称', settlementShort: '结案', overdueShort: '超期', reworkShort: '返工',
    feed: '实时事件', live: '实时', reconnecting: '重连中…', noEvents: '等待新事件…',
    heat: '热力图', hotGrid: '热点网格', coldGrid: '冷点网格', noData: '无数据', unmanned: '无人网格',
    low: '低', high: '高', back: '返回上级', synthetic: '演示数据为合成数据',
    outside: '网格外', asOf: '数据时点',
    unknownArea: '未知区域编码', showingDistrict: '显示全区',
    action_report: '上报', action_import: '导入', action_accept: '受理', action_reject: '不予受理', action_dispatch: '派遣',
    action_escalate: '升级', action_respond: '响应', action_finish: '处置完成', action_verify: '核查', action_return_for_rework: '返工',
    action_close: '结案', action_evaluate: '评价', action_reopen: '重新办理', action_overdue: '超期',
  },
  en: {
    title: 'Grid Governance Command Centre',
    district: 'District', street: 'Street', community: 'Community', grid: 'Grid',
    measure: 'Colour by', incidents: 'Incidents', settlement: 'Settlement', overdue: 'Overdue', coverage: 'Staff coverage', hotspot: 'Hot spots',
    kpiReported: 'Reported today', kpiClosed: 'Closed today', kpiOverdue: 'Overdue', kpiSettlement: 'Settlement rate (year)', kpiOnTime: 'On-time rate',
    trend: 'Last 30 days', reported: 'Reported', closed: 'Closed', onTime: 'On time',
    topCategories: 'Top categories',
    areaRanking: 'Streets: red & black list', areaRanking_street: 'Communities: red & black list', areaRanking_community: 'Grids: red & black list', areaRanking_grid: 'Grids: red & black list',
    deptRanking: 'Departments: red & black list', red: 'Red', black: 'Black',
    rank: '#', name: 'Name', settlementShort: 'Settled', overdueShort: 'Overdue', reworkShort: 'Rework',
    feed: 'Live incidents', live: 'Live', reconnecting: 'Reconnecting…', noEvents: 'Waiting for incidents…',
    heat: 'Heat map', hotGrid: 'Hot spot', coldGrid: 'Cold spot', noData: 'No data', unmanned: 'Unmanned',
    low: 'Low', high: 'High', back: 'Up one level', synthetic: 'Demo data are synthetic',
    outside: 'outside grids', asOf: 'As of',
    unknownArea: 'Area not known:', showingDistrict: 'showing the whole district',
    action_report: 'reported', action_import: 'imported', action_accept: 'accepted', action_reject: 'rejected', action_dispatch: 'dispatched',
    action_escalate: 'escalated', action_respond: 'responded', action_finish: 'handled', action_verify: 'verified', action_return_for_rework: 'rework',
    action_close: 'closed', action_evaluate: 'evaluated', action_reopen: 'reopened', action_overdue: 'overdue',
  },
};

export function words(lang) {
  return translator(WORDS, lang);
}

/** A count written out with thousands separators; '—' when unknown. */
export function count(value) {
  return value === null || value === undefined ? '—' : Number(value).toLocaleString('en-US');
}

/** A rate 0..1 as a percentage with one decimal; '—' when there is no denominator. */
export function percent(value) {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}
